"""Helpers shared by the service tests (functional and integration):
a small emulated run, configuration objects, an HTTP client and the API
on a real loopback server."""
import dataclasses
import os
import uuid

import requests
from oslo_config import cfg

from microscope_plugin import conf as mconf


def make_run(out_dir, duration_s=0.06, seed=1):
    """The paper's 16-NF scenario, shortened, with one fault of each kind
    early enough to fall in the run; writes topology.json + records/."""
    from microscope_plugin import emulator
    sc = emulator.load_scenario('paper16')
    faults = dict(sc.random_faults, start_s=0.01, gap_ms=15, bursts=1,
                  interrupts=1, bugs=1)
    sc = dataclasses.replace(sc, duration_s=duration_s, seed=seed,
                             random_faults=faults)
    emulator.run_to_directory(sc, str(out_dir), counterfactual=False,
                              block_packets=8192)
    return str(out_dir)


def ingest_run(db, run_dir, project='p', name='r'):
    """Ingest an emulated run into ``db`` directly (no API); returns
    (collection id, start_ns, end_ns) with end_ns just past its last
    record, the range a whole-run diagnosis covers."""
    from microscope_plugin import ingest
    from microscope_plugin.db import api as dbapi
    topo = ingest.load_topology(os.path.join(run_dir, 'topology.json'))
    cid = ingest.ensure_collection(db, project, topo, name)
    for f in ingest.expand_paths([run_dir]):
        ingest.ingest_path(db, cid, f)
    with db.begin() as s:
        c = dbapi.get_collection(s, cid)
        return cid, c.start_ns, c.end_ns + 1


def make_conf(db_url, state_path, **overrides):
    """A fresh ConfigOpts with Microscope's options and ``overrides``
    given as {'group.option': value}."""
    conf = cfg.ConfigOpts()
    mconf.register_all(conf)
    conf([], project='microscope', default_config_files=[],
         default_config_dirs=[])
    conf.set_override('state_path', str(state_path))
    conf.set_override('connection', db_url, group='database')
    for key, value in overrides.items():
        group, _, name = key.rpartition('.')
        conf.set_override(name, value, group=group or None)
    return conf


def unique(prefix='microscope_test'):
    return '%s_%s' % (prefix, uuid.uuid4().hex[:10])


class Client:
    """Small JSON client for the API under test."""

    def __init__(self, base, headers=None):
        self.base = base.rstrip('/')
        self.s = requests.Session()
        self.headers = headers or {}

    def as_(self, **headers):
        return Client(self.base, dict(self.headers, **headers))

    def __call__(self, method, path, json=None, data=None, headers=None,
                 **kw):
        h = dict(self.headers, **(headers or {}))
        r = self.s.request(method, self.base + path, json=json, data=data,
                           headers=h, timeout=60, **kw)
        body = r.json() if r.content else None
        return r.status_code, body

    def get(self, path, **kw):
        return self('GET', path, **kw)

    def post(self, path, **kw):
        return self('POST', path, **kw)

    def delete(self, path, **kw):
        return self('DELETE', path, **kw)


def upload_run(client, run_dir, name='c1'):
    """Register the run's topology, create a collection, upload its files."""
    import json
    with open(os.path.join(run_dir, 'topology.json')) as fh:
        topo = json.load(fh)
    st, t = client.post('/v1/topologies', json=topo)
    assert st == 201, t
    st, c = client.post('/v1/collections', json={'topology_id': t['id'],
                                                 'name': name})
    assert st == 201, c
    recs = os.path.join(run_dir, 'records')
    for f in sorted(os.listdir(recs)):
        with open(os.path.join(recs, f), 'rb') as fh:
            st, r = client.post('/v1/collections/%s/files?name=%s'
                                % (c['id'], f), data=fh.read(),
                                headers={'Content-Type':
                                         'application/octet-stream'})
        assert st == 201, r
    return t, c


def wait_diagnosis(client, did, timeout=300):
    import time
    end = time.time() + timeout
    while time.time() < end:
        st, d = client.get('/v1/diagnoses/%s' % did)
        assert st == 200, d
        if d['state'] in ('succeeded', 'failed'):
            return d
        time.sleep(0.2)
    raise AssertionError('diagnosis %s still %s after %ds'
                         % (did, d['state'], timeout))


def diagnose_run(client, run_dir):
    """Upload a run, diagnose the whole collection through the API and
    wait; returns the succeeded diagnosis."""
    _, coll = upload_run(client, run_dir)
    st, d = client.post('/v1/diagnoses', json={'collection_id': coll['id']})
    assert st == 202, d
    d = wait_diagnosis(client, d['id'])
    assert d['state'] == 'succeeded', d
    return d
