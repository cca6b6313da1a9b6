"""``microscope hints`` and ``microscope aggregate`` as a user runs them."""
import json
import os
import subprocess
import sys


def microscope(*args):
    exe = os.path.join(os.path.dirname(sys.executable), 'microscope')
    return subprocess.run([exe] + list(args), capture_output=True, text=True,
                          timeout=300)


def test_hints_offline_match_the_injected_bug(small_run):
    truth = json.load(open(os.path.join(small_run, 'truth.json')))
    (bug,) = [f['nf'] for f in truth['faults'] if f['kind'] == 'bug']
    p = microscope('hints', small_run, '--json')
    assert p.returncode == 0, p.stderr[-2000:]
    hints = json.loads(p.stdout)
    assert [(h['action'], h['nf']) for h in hints] == [('HEAL', bug)]
    p = microscope('hints', small_run)
    assert p.returncode == 0 and p.stdout.startswith('HEAL') and bug in p.stdout


def test_hints_bad_input_is_a_clear_error(tmp_path):
    p = microscope('hints', str(tmp_path / 'nowhere'))
    assert p.returncode != 0 and 'no such file or directory' in p.stderr


def test_aggregate_is_patterns(tmp_path):
    p = microscope('aggregate', '--synthetic', '3000', '--json')
    q = microscope('patterns', '--synthetic', '3000', '--json')
    assert p.returncode == 0, p.stderr[-2000:]
    a, b = json.loads(p.stdout), json.loads(q.stdout)
    assert a['patterns'] and a['patterns'] == b['patterns']
