"""The README's main command ends by writing the report and saying where
(0.3 s of traffic: the preset's faults start at 0.2 s)."""
import os

from microscope_plugin.cli.main import main


def test_demo_ends_with_the_report(tmp_path, capsys):
    out = tmp_path / 'demo'
    assert main(['demo', '--duration', '0.3', '--out', str(out)]) == 0
    lines = capsys.readouterr().out.rstrip('\n').splitlines()
    path = os.path.join(str(out), 'report.html')
    assert lines[-1] == 'Report: %s' % path
    html = open(path).read()
    assert 'Verdict per NF' in html and 'Named first' in html
