"""``openstack microscope ...`` (the OpenStackClient plugin) against a
running API on loopback, through keystoneauth with ``--os-auth-type none
--os-endpoint URL``."""
import json
import os
import shutil
import subprocess
import sys

import pytest


def openstack_exe():
    exe = os.path.join(os.path.dirname(sys.executable), 'openstack')
    return exe if os.path.exists(exe) else shutil.which('openstack')


@pytest.fixture
def osc(diagnosed):
    exe = openstack_exe()
    if exe is None:
        pytest.skip('python-openstackclient is not installed')
    client, conf, topo, coll, d = diagnosed
    st, coll = client.get('/v1/collections/%s' % coll['id'])

    def run(*args, ok=True):
        p = subprocess.run([exe, '--os-auth-type', 'none', '--os-endpoint',
                            client.base] + list(args), capture_output=True,
                           text=True, timeout=120)
        if ok:
            assert p.returncode == 0, p.stderr[-2000:]
        return p
    return run, client, coll, d


def js(p):
    return json.loads(p.stdout)


def test_diagnosis_list_show_create(osc):
    run, client, coll, d = osc
    rows = js(run('microscope', 'diagnosis', 'list', '-f', 'json'))
    assert [r['id'] for r in rows] == [d['id']]
    assert rows[0]['state'] == 'succeeded'
    one = js(run('microscope', 'diagnosis', 'show', d['id'], '-f', 'json'))
    assert one['id'] == d['id'] and one['victims'] == d['victims']
    assert json.loads(one['summary'])['top_causes']
    new = js(run('microscope', 'diagnosis', 'create', '--collection',
                 coll['id'], '--start-ns', str(coll['start_ns']),
                 '--end-ns', str(coll['start_ns'] + 20_000_000),
                 '--param', 'max_depth=2', '--wait', '-f', 'json'))
    assert new['state'] == 'succeeded' and new['id'] != d['id']
    st, server = client.get('/v1/diagnoses/%s' % new['id'])
    assert server['params']['max_depth'] == 2
    assert server['end_ns'] == coll['start_ns'] + 20_000_000


def test_cause_pattern_hint_lists(osc):
    run, client, coll, d = osc
    causes = js(run('microscope', 'cause', 'list', d['id'], '--max-rank', '1',
                    '--limit', '5', '-f', 'json'))
    assert len(causes) == 5 and all(c['rank'] == 1 for c in causes)
    st, api = client.get('/v1/diagnoses/%s/causes?max_rank=1&limit=5'
                         % d['id'])
    assert [c['id'] for c in causes] == [c['id'] for c in api['causes']]
    pats = js(run('microscope', 'pattern', 'list', d['id'], '-f', 'json'))
    st, api = client.get('/v1/diagnoses/%s/patterns' % d['id'])
    assert len(pats) == len(api['patterns'])
    hints = js(run('microscope', 'hint', 'list', '-f', 'json'))
    st, api = client.get('/v1/scaling_hints')
    assert [h['id'] for h in hints] == [h['id'] for h in api['scaling_hints']]
    heal = js(run('microscope', 'hint', 'list', '--diagnosis', d['id'],
                  '--action', 'HEAL', '-f', 'json'))
    assert all(h['action'] == 'HEAL' and h['reason'] for h in heal)


def test_errors_are_clear(osc):
    run, client, coll, d = osc
    p = run('microscope', 'diagnosis', 'show', 'not-an-id', ok=False)
    assert p.returncode != 0 and '404' in p.stderr and 'not-an-id not found' in p.stderr
    p = run('microscope', 'diagnosis', 'create', '--collection', coll['id'],
            '--param', 'bogus=1', ok=False)
    assert p.returncode != 0 and 'params.bogus' in p.stderr
    p = run('microscope', 'report', 'create', '00000000-0000-0000-0000-'
            '000000000000', ok=False)
    assert p.returncode != 0 and ('404' in p.stderr or '400' in p.stderr)


def test_report_create(osc, tmp_path):
    """The report route, when this server has it; else the clear message."""
    run, client, coll, d = osc
    st, _ = client.post('/v1/reports', json={'diagnosis_id': d['id'],
                                             'format': 'json'})
    p = run('microscope', 'report', 'create', d['id'], '-f', 'json',
            ok=st < 400)
    if st == 404:
        assert p.returncode != 0
        assert 'offers no /v1/reports' in p.stderr and '404' in p.stderr
        return
    assert st == 200
    shown = js(p)
    assert json.loads(shown['verdicts'])
    out = tmp_path / 'report.html'
    shown = js(run('microscope', 'report', 'create', d['id'], '--vendor',
                   'Bravo Security', '--output', str(out), '-f', 'json'))
    assert shown['file'] == str(out) and shown['bytes'] == out.stat().st_size
    assert out.read_text().lstrip().lower().startswith('<!doctype html')
