"""The DAG page rendered by headless Chromium, and the PDF converters."""
from microscope_plugin import report
from microscope_plugin.report import dag, pdf
from tests import reportlib
from tests.unit.report.test_model import TOPO, inputs


def test_dag_page_arrows_and_ranked_causes(tmp_path):
    path = report.write_dag(inputs(), str(tmp_path))
    dom = reportlib.dump_dom(path)
    # natA1 -> natA1 (a frame), natA1 -> fwB1, in -> fwB1, in -> vpnC1
    assert 'data-arrows="4"' in dom           # counted by the page's script
    assert dom.count('class="blame"') == 3 and dom.count('class="ring"') == 1
    causes = [c.split('data-culprit="')[1].split('"')[0]
              for c in dom.split('class="cause"')[1:]]
    assert causes == ['natA1', 'in']          # 6/11 then 5/11 of the score
    assert '54.5% of the score' in dom
    png = reportlib.screenshot(path, str(tmp_path / 'dag.png'), 1000, 500)
    w, h, ink, colours = reportlib.png_stats(png)
    assert (w, h) == (1000, 500) and 0.02 < ink < 0.9 and colours > 20


def test_dag_vendor_view():
    viewer = report.Viewer(TOPO, 'Bravo')
    page = dag.render_dag(TOPO, [('natA1', 'fwB1', 3.0), ('in', 'fwB1', 1.0)],
                          viewer)
    assert 'upstream NF 1 (nat)' in page and 'downstream NF 1 (vpn)' in page
    assert reportlib.names_in(page, {'natA1', 'vpnC1'}) == []


def test_pdf_without_chromium_falls_back_to_matplotlib(tmp_path, monkeypatch):
    rep = report.build_report(inputs())
    monkeypatch.setattr(pdf, 'find_chromium', lambda: None)
    paths = report.write_report(rep, str(tmp_path))
    assert paths['pdf_converter'] == 'matplotlib (verdicts only)'
    assert open(paths['pdf'], 'rb').read(5) == b'%PDF-'


def test_pdf_with_chromium(tmp_path):
    reportlib.chromium()
    paths = report.write_report(report.build_report(inputs()), str(tmp_path))
    assert paths['pdf_converter'] == 'chromium'
    data = open(paths['pdf'], 'rb').read()
    assert data[:5] == b'%PDF-' and len(data) > 10000
