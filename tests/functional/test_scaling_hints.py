"""Scaling hints end to end on emulated runs with known answers: a
firewall with a processing bug is to be healed (not scaled), a stage fed
above its peak rate for the whole run is to be scaled out; the API lists
them per diagnosis and across diagnoses."""
import json
import os

import pytest

from microscope_plugin import emulator
from tests import servicelib

OVERLOAD = {
    'name': 'overload', 'duration_s': 0.05, 'seed': 3,
    'topology': {'queue_capacity': 512, 'max_burst': 32,
                 'link_delay_us': 1.0, 'poll_us': 0.05,
                 'stages': [
                     {'name': 'nat', 'type': 'nat', 'vendor': 'Alpha',
                      'instances': 2, 'peak_rate_mpps': 0.30,
                      'jitter': 0.05, 'next': [{'to': 'vpn'}]},
                     {'name': 'vpn', 'type': 'vpn', 'vendor': 'Delta',
                      'instances': 1, 'peak_rate_mpps': 2.0,
                      'jitter': 0.05}]},
    'sources': [{'name': 'ingress', 'to': 'nat', 'tap': True,
                 'traffic': {'model': 'caida', 'rate_mpps': 0.9}}],
}


def diagnose(client, run_dir):
    d = servicelib.diagnose_run(client, run_dir)
    st, hints = client.get('/v1/diagnoses/%s/scaling_hints' % d['id'])
    assert st == 200
    return d, hints['scaling_hints']


def test_buggy_firewall_is_healed_not_scaled(api, small_run):
    client, _ = api
    truth = json.load(open(os.path.join(small_run, 'truth.json')))
    (bug,) = [f['nf'] for f in truth['faults'] if f['kind'] == 'bug']
    d, hints = diagnose(client, small_run)
    heal = [h for h in hints if h['action'] == 'HEAL']
    assert [h['nf'] for h in heal] == [bug]
    h = heal[0]
    assert h['detail']['nf_type'] == 'firewall'
    assert h['detail']['local_victims'] >= 5
    assert h['detail']['windows_above_peak'] < 0.3
    assert not [x for x in hints if x['action'] == 'SCALE_OUT']
    # and across diagnoses
    st, all_ = client.get('/v1/scaling_hints?action=HEAL')
    assert st == 200 and [x['nf'] for x in all_['scaling_hints']] == [bug]
    assert all_['scaling_hints'][0]['diagnosis_id'] == d['id']


def test_sustained_overload_scales_out(api, tmp_path):
    client, _ = api
    sc = emulator.parse_scenario(OVERLOAD)
    emulator.run_to_directory(sc, str(tmp_path / 'run'), counterfactual=False,
                              block_packets=8192)
    d, hints = diagnose(client, str(tmp_path / 'run'))
    out = [h for h in hints if h['action'] == 'SCALE_OUT']
    assert [h['nf'] for h in out] == ['nat'], hints
    det = out[0]['detail']
    # 0.9 Mpps into 2 x 0.3 Mpps: a third instance is what p90 needs
    assert det['k'] == 1 and det['capacity_pps'] == pytest.approx(6e5)
    assert det['windows_above_capacity'] >= 0.8 * det['windows']
    assert 8e5 < det['p90_input_pps'] < 1e6
    assert not [h for h in hints if h['nf'] == 'vpn' and
                h['action'] == 'SCALE_OUT']


def test_hint_queries_are_checked(api):
    client, _ = api
    st, r = client.get('/v1/scaling_hints?action=GROW')
    assert st == 400 and r['error']['field'] == 'action'
    st, r = client.get('/v1/scaling_hints?marker=x')
    assert st == 400 and r['error']['field'] == 'marker'


def test_in_process_diagnosis_stores_hints_too(db, small_run, tmp_path,
                                               monkeypatch):
    """``microscope demo``'s path: a diagnosis computed in this process and
    stored as a finished job gets the same hints as an engine's; and they
    are stored before the diagnosis is marked succeeded (a client polling
    for "succeeded" once found no hints yet)."""
    from microscope_plugin import ingest
    from microscope_plugin.cli.diagnose import resolve_inputs, run_diagnosis
    from microscope_plugin.db import api as dbapi
    from microscope_plugin.diagnosis import DiagnosisParams
    from microscope_plugin.engine import jobs
    from microscope_plugin.integrations import load as load_mod
    truth = json.load(open(os.path.join(small_run, 'truth.json')))
    (bug,) = [f['nf'] for f in truth['faults'] if f['kind'] == 'bug']
    topo, files = resolve_inputs([small_run])
    params = DiagnosisParams()
    trace, result = run_diagnosis(topo, files, params)
    cid = ingest.ensure_collection(db, 'default', topo, 'in-process')
    for f in files:
        ingest.ingest_path(db, cid, f)
    with db.begin() as s:
        c = dbapi.get_collection(s, cid)
        start, end = c.start_ns, c.end_ns + 1
    conf = servicelib.make_conf(str(db.engine.url), tmp_path)
    load = load_mod.nf_load(trace, params, start, end, 10_000_000)
    seen = []
    set_diagnosis = dbapi.set_diagnosis

    def spy(session, diagnosis_id, **values):
        if values.get('state') == dbapi.SUCCEEDED:
            seen.append(len(dbapi.list_scaling_hints(session, diagnosis_id)))
        return set_diagnosis(session, diagnosis_id, **values)
    monkeypatch.setattr(dbapi, 'set_diagnosis', spy)
    did = jobs.store_computed(db, conf, cid, result, params, start, end,
                              load=load)
    with db.begin() as s:
        hints = dbapi.list_scaling_hints(s, did)
        assert [(h.action, h.nf) for h in hints] == [('HEAL', bug)]
    assert seen == [1]
