"""PDF of a report, where a converter is available.

Preferred: headless Chromium (Debian's ``chromium``) printing the HTML
file (``--print-to-pdf``), which keeps tables, text and figures as laid
out.  Without it, the figures-and-tables fallback: matplotlib's
``PdfPages`` writing one page per figure of the report, with the verdicts
as text.  :func:`write_pdf` returns (path, converter) or (None, reason).
"""
import os
import shutil
import subprocess

CHROMIUM_NAMES = ('chromium', 'chromium-browser', 'google-chrome')


def find_chromium():
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium_cmd(binary, *args):
    """Headless Chromium command line that works as root and in
    containers (no sandbox, no GPU, no first-run)."""
    return [binary, '--headless', '--no-sandbox', '--disable-gpu',
            '--disable-dev-shm-usage', '--no-first-run', '--hide-scrollbars'] + list(args)


def _with_chromium(binary, html_path, pdf_path, timeout):
    cmd = chromium_cmd(binary, '--no-pdf-header-footer',
                       '--print-to-pdf=%s' % pdf_path,
                       'file://' + os.path.abspath(html_path))
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=timeout, check=False)
    return os.path.exists(pdf_path) and os.path.getsize(pdf_path) > 0


def _with_matplotlib(report, pdf_path):
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages
    with PdfPages(pdf_path) as pdf:
        fig = plt.figure(figsize=(8.27, 11.69))
        lines = [report.meta['title'], '']
        for v in report.verdicts:
            lines.append('%-28s %-10s %-20s caused %5.1f%%  upstream %5.1f%%  '
                         'traffic %5.1f%%' % (v['nf'][:28], v['type'][:10],
                                              v['verdict'], 100 * v['caused'],
                                              100 * v['upstream'], 100 * v['traffic']))
        fig.text(0.04, 0.96, '\n'.join(lines[:70]), va='top', family='monospace',
                 fontsize=7)
        pdf.savefig(fig)
        plt.close(fig)
    return True


def write_pdf(report, html_path, pdf_path, timeout=60):
    binary = find_chromium()
    if binary is not None:
        try:
            if _with_chromium(binary, html_path, pdf_path, timeout):
                return pdf_path, 'chromium'
        except (OSError, subprocess.TimeoutExpired):
            pass
    try:
        _with_matplotlib(report, pdf_path)
        return pdf_path, 'matplotlib (verdicts only)'
    except ImportError as e:
        return None, 'no PDF converter (%s)' % e
