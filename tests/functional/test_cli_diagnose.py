"""``microscope diagnose`` as a user runs it on an emulated run: the
injected faults' culprits are named, the full result is written, a wrong
diagnoser name is a clear error."""
import json
import os

from tests.functional.test_cli_hints import microscope


def test_diagnose_names_the_injected_culprits(small_run, tmp_path):
    truth = json.load(open(os.path.join(small_run, 'truth.json')))
    (bug,) = [f['nf'] for f in truth['faults'] if f['kind'] == 'bug']
    p = microscope('diagnose', small_run, '--out', str(tmp_path), '--json')
    assert p.returncode == 0, p.stderr[-2000:]
    out = json.loads(p.stdout)
    top = [(c['kind'], c['nf']) for c in out['summary']['top_causes']]
    assert top[0] == ('source', 'ingress')        # the traffic burst
    assert ('nf', bug) in top
    assert out['incidents'] and out['summary']['victims'] > 0
    stored = json.load(open(tmp_path / 'diagnosis.json'))
    assert stored['summary']['victims'] == out['summary']['victims']
    assert (tmp_path / 'relations.npz').exists()
    p = microscope('diagnose', small_run, '--out', str(tmp_path))
    assert p.returncode == 0
    assert 'Full result: %s' % (tmp_path / 'diagnosis.json') in p.stdout


def test_unknown_diagnoser_is_named(small_run, tmp_path):
    p = microscope('diagnose', small_run, '--out', str(tmp_path),
                   '--diagnoser', 'oracle')
    assert p.returncode == 2 and 'oracle' in p.stderr
