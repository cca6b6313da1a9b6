"""Helpers of the report tests: headless Chromium (Debian's ``chromium``)
to render pages, and the names/flows a vendor must not see."""
import os
import re
import subprocess

import pytest

from microscope_plugin.report.pdf import chromium_cmd, find_chromium

OTHER_VENDORS_PAPER16 = {  # paper16 instances not of Bravo Security
    'nat1', 'nat2', 'nat3', 'nat4', 'monitor1',
    'vpn1', 'vpn2', 'vpn3', 'vpn4', 'vpn5', 'vpn6'}


def chromium():
    path = find_chromium()
    if path is None:
        pytest.skip('headless Chromium is not installed (apt-get install chromium)')
    return path


def _url(path):
    return 'file://' + os.path.abspath(path)


def dump_dom(html_path, timeout=90):
    """The DOM after scripts ran."""
    r = subprocess.run(chromium_cmd(chromium(), '--virtual-time-budget=2000',
                                    '--dump-dom', _url(html_path)),
                       capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def screenshot(html_path, png_path, width=1280, height=1600, timeout=90):
    subprocess.run(chromium_cmd(chromium(), '--window-size=%d,%d' % (width, height),
                                '--screenshot=%s' % os.path.abspath(png_path),
                                _url(html_path)),
                   capture_output=True, timeout=timeout)
    assert os.path.exists(png_path), 'chromium wrote no screenshot'
    return png_path


def png_stats(png_path):
    """(width, height, share of non-white pixels, distinct colours)."""
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import image
    import numpy as np
    img = image.imread(png_path)[..., :3]
    ink = (img < 0.95).any(axis=2).mean()
    colours = len(np.unique((img * 255).astype(np.uint8).reshape(-1, 3), axis=0))
    return img.shape[1], img.shape[0], float(ink), colours


def visible_text(html):
    """The HTML without data: URIs (base64 figures could hold any short
    string by chance)."""
    return re.sub(r'data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+', 'data:', html)


def names_in(text, names):
    return sorted(n for n in names if re.search(r'(?<![\w])%s(?![\w])' % re.escape(n),
                                                text))
