"""``microscope ingest`` and ``microscope-dbsync`` as a user runs them."""
import json
import os
import shutil
import subprocess
import sys

import pytest


def run(cmd, conf_file, *args):
    exe = os.path.join(os.path.dirname(sys.executable), cmd)
    return subprocess.run([exe, '--config-file', str(conf_file)] + list(args),
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def conf_file(tmp_path):
    path = tmp_path / 'microscope.conf'
    path.write_text('[DEFAULT]\nstate_path = %s\n' % (tmp_path / 'state'))
    return path


def test_dbsync_upgrade_current_downgrade(conf_file, tmp_path):
    r = run('microscope-dbsync', conf_file, 'current')
    assert r.returncode == 0 and 'base' in r.stdout, r.stderr
    r = run('microscope-dbsync', conf_file, 'upgrade')
    assert r.returncode == 0, r.stderr
    assert (tmp_path / 'state' / 'microscope.sqlite').exists()
    r = run('microscope-dbsync', conf_file, 'current')
    assert '(head)' in r.stdout
    r = run('microscope-dbsync', conf_file, 'history')
    assert '0001' in r.stdout
    r = run('microscope-dbsync', conf_file, 'downgrade', 'base')
    assert r.returncode == 0 and 'base' in r.stdout, r.stderr


def test_ingest_command(conf_file, small_run, tmp_path):
    r = run('microscope', conf_file, 'ingest', small_run)
    assert r.returncode == 2 and 'microscope-dbsync upgrade' in r.stderr
    assert run('microscope-dbsync', conf_file, 'upgrade').returncode == 0
    r = run('microscope', conf_file, 'ingest', small_run, '--json')
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert len(out['ingested']) == 17 and not out['failed']
    assert all(x['blocks_added'] > 0 for x in out['ingested'])
    again = json.loads(run('microscope', conf_file, 'ingest', small_run,
                           '--json').stdout)
    assert again['collection_id'] == out['collection_id']
    assert all(x['blocks_added'] == 0 for x in again['ingested'])
    # one damaged file among good ones: reported with its offset, the
    # others still ingested (into a new collection), exit status 1
    d = tmp_path / 'mixed'
    shutil.copytree(small_run, d)
    f = d / 'records' / 'vpn6.msr'
    f.write_bytes(f.read_bytes()[:-3])
    r = run('microscope', conf_file, 'ingest', str(d), '--collection', 'mix')
    assert r.returncode == 1
    assert 'vpn6.msr: FAILED at byte offset' in r.stdout
    assert r.stdout.count('+') == 16
