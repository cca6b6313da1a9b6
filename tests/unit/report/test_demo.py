"""The README's main command stores its run in the embedded catalog and
ends by writing the report and saying where (0.3 s of traffic: the
preset's faults start at 0.2 s)."""
import json
import os

from microscope_plugin.cli.main import main
from microscope_plugin.db import api as dbapi
from microscope_plugin.db import session


def test_demo_stores_the_run_and_ends_with_the_report(tmp_path, capsys):
    out = tmp_path / 'demo'
    cfg = tmp_path / 'microscope.conf'
    cfg.write_text('[DEFAULT]\nstate_path = %s\n' % tmp_path)
    assert main(['--config-file', str(cfg), 'demo', '--duration', '0.3',
                 '--out', str(out)]) == 0
    lines = capsys.readouterr().out.rstrip('\n').splitlines()
    path = os.path.join(str(out), 'report.html')
    assert lines[-1] == 'Report: %s' % path
    html = open(path).read()
    assert 'Verdict per NF' in html and 'Named first' in html
    stored = [x for x in lines if x.startswith('Stored in ')]
    url = 'sqlite:///%s' % (tmp_path / 'microscope.sqlite')
    assert len(stored) == 1 and stored[0].startswith('Stored in %s:' % url)
    # the run's results are in the database file, not left in the WAL
    # (later small writes, e.g. alarm outcomes, may start a new one)
    wal = tmp_path / 'microscope.sqlite-wal'
    size = (tmp_path / 'microscope.sqlite').stat().st_size
    assert not wal.exists() or wal.stat().st_size < size / 10
    did = stored[0].split('diagnosis ')[1].split(';')[0]
    db = session.Database.from_url(url)
    try:
        with db.begin() as s:
            d = dbapi.get_diagnosis(s, did)
            assert d.state == 'succeeded' and d.n_victims > 0
            coll = dbapi.get_collection(s, d.collection_id)
            assert coll.name == 'demo-paper16-0.3s'
    finally:
        db.engine.dispose()
    # the stored diagnosis gives the same report as the run directory
    assert main(['--config-file', str(cfg), 'report', '--diagnosis', did,
                 '--no-pdf', '--json', '--out', str(tmp_path / 'db'),
                 '--name', 'stored']) == 0
    text = capsys.readouterr().out
    named = [x.split(' % of ')[0] for x in lines + text.splitlines()
             if x.startswith('Named first: ')]
    assert len(named) == 2 and named[0] == named[1], named
    model = json.load(open(tmp_path / 'db' / 'stored.json'))
    assert model['meta']['source'] == 'diagnosis %s' % did
    evidence = [v for inc in model['incidents'] for v in inc['evidence']]
    assert any(v['causes'] for v in evidence)   # read from the causes rows
    assert main(['--config-file', str(cfg), 'report', '--diagnosis',
                 '00000000-0000-0000-0000-000000000000', '--no-pdf']) == 2
    assert '--diagnosis: ' in capsys.readouterr().err
