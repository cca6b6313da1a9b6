"""Vendor blame-resolution reports and the NF DAG page (to give each
party of the §1 blame game evidence it can act on).

    inputs = report.from_run_dir('run/')           # or from_result / dbsource
    rep = report.build_report(inputs, vendor='Bravo Security')
    open('report.html', 'w').write(report.render_html(rep))

See docs/reports.md.
"""
from microscope_plugin.report.html import render_html  # noqa: F401
from microscope_plugin.report.inputs import (ReportInputError,  # noqa: F401
                                             ReportInputs, from_result,
                                             from_run_dir)
from microscope_plugin.report.model import Report, build_report  # noqa: F401
from microscope_plugin.report.viewer import Viewer  # noqa: F401


def write_dag(inputs, out_dir, basename='dag', vendor=None):
    """The NF DAG page of ``inputs`` (arrows from the causal relations in
    the reader's scope) as ``<basename>.html``; returns its path."""
    import os
    from microscope_plugin.report.dag import arrows_from_records, render_dag
    from microscope_plugin.report.model import scoped_records
    viewer = Viewer(inputs.topology, vendor)
    arrows = arrows_from_records(scoped_records(inputs, viewer), inputs.catalog)
    path = os.path.join(out_dir, basename + '.html')
    with open(path, 'w', encoding='utf-8') as fh:
        fh.write(render_dag(inputs.topology, arrows, viewer,
                            'NF DAG of topology %s' % inputs.topology.name,
                            '%s%s' % (inputs.source, '; vendor view: %s' % vendor
                                      if vendor else '')))
    return path


def write_report(report, out_dir, basename='report', pdf=True):
    """Write ``<basename>.html`` (and ``.pdf`` when asked and possible)
    into ``out_dir``; returns {'html': path, 'pdf': path or None,
    'pdf_converter': name or reason}."""
    import os
    from microscope_plugin.report.pdf import write_pdf
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, basename + '.html')
    with open(path, 'w', encoding='utf-8') as fh:
        fh.write(render_html(report))
    out = {'html': path, 'pdf': None, 'pdf_converter': None}
    if pdf:
        out['pdf'], out['pdf_converter'] = write_pdf(
            report, path, os.path.join(out_dir, basename + '.pdf'))
    return out
