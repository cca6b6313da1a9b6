"""The REST API over real HTTP: resources, paging and filters, a diagnosis
from POST to results, personas, and 4xx JSON errors naming the field."""
import json
import os

import pytest

from microscope_plugin.diagnosis.result import DiagnosisResult  # noqa: F401
from tests import servicelib

OCTET = {'Content-Type': 'application/octet-stream'}


def test_versions_and_unknown_paths(api):
    client, _ = api
    st, body = client.get('/')
    assert st == 200 and body['versions'][0]['id'] == 'v1'
    st, body = client.get('/v1/nowhere')
    assert st == 404 and body['error']['code'] == 404
    st, body = client('PUT', '/v1/topologies')
    assert st == 405 and 'error' in body
    r = client.s.request('TRACE', client.base + '/')
    assert r.status_code == 405 and r.headers['Allow'] == 'GET, HEAD'
    r = client.s.delete(client.base + '/v1/diagnoses')
    assert r.status_code == 405 and r.headers['Allow'] == 'GET, HEAD, POST'


def test_topology_resources_paging_and_filters(api, small_run):
    client, _ = api
    topo = json.load(open(os.path.join(small_run, 'topology.json')))
    ids = []
    for i in range(3):
        st, t = client.post('/v1/topologies', json=dict(topo, name='t%d' % i))
        assert st == 201 and len(t['nfs']) == 17
        ids.append(t['id'])
    st, page1 = client.get('/v1/topologies?limit=2')
    assert st == 200 and [t['id'] for t in page1['topologies']] == ids[:2]
    st, page2 = client.get(page1['next'][len(client.base):])
    assert [t['id'] for t in page2['topologies']] == ids[2:]
    st, body = client.get('/v1/topologies?name=t1')
    assert [t['id'] for t in body['topologies']] == [ids[1]]
    st, nfs = client.get('/v1/topologies/%s/nfs?vendor=Delta%%20Crypto'
                         % ids[0])
    assert st == 200 and nfs['nfs'] and \
        {n['vendor'] for n in nfs['nfs']} == {'Delta Crypto'}
    st, nfs = client.get('/v1/topologies/%s/nfs?role=source' % ids[0])
    assert [n['name'] for n in nfs['nfs']] == ['ingress']
    assert client.delete('/v1/topologies/%s' % ids[2])[0] == 204
    assert client.get('/v1/topologies/%s' % ids[2])[0] == 404


def test_ingest_through_api(api, small_run):
    client, _ = api
    topo, coll = servicelib.upload_run(client, small_run)
    st, c = client.get('/v1/collections/%s' % coll['id'])
    assert st == 200 and c['files'] == 17 and c['packet_records'] > 0
    assert set(c['nfs']) == {n['name'] for n in topo['nfs']}
    f = os.path.join(small_run, 'records', 'nat1.msr')
    data = open(f, 'rb').read()
    st, r = client.post('/v1/collections/%s/files' % coll['id'], data=data,
                        headers=OCTET)
    assert st == 200 and r['blocks_added'] == 0
    st, r = client.post('/v1/collections/%s/files?name=cut.msr' % coll['id'],
                        data=data[:-5], headers=OCTET)
    assert st == 400 and r['error']['field'] == 'file'
    assert 'cut.msr' in r['error']['message'] and 'offset' in \
        r['error']['message']
    st, again = client.get('/v1/collections/%s' % coll['id'])
    assert again['packet_records'] == c['packet_records']
    st, files = client.get('/v1/collections/%s/files?limit=5' % coll['id'])
    assert st == 200 and len(files['files']) == 5 and files['next']
    st, lst = client.get('/v1/collections?start_ns=%d' % (c['end_ns'] + 1))
    assert lst['collections'] == []
    st, lst = client.get('/v1/collections?topology_id=%s' % topo['id'])
    assert [x['id'] for x in lst['collections']] == [coll['id']]


def test_diagnosis_end_to_end(diagnosed):
    client, conf, topo, coll, d = diagnosed
    assert d['victims'] > 0 and d['relations'] > 0
    assert d['summary']['top_causes']
    assert all(t['state'] == 'succeeded' for t in d['task_states'])
    assert 'skipped' in d['timings']['patterns'] or \
        'computed' in d['timings']['patterns']
    base = '/v1/diagnoses/%s' % d['id']
    st, vs = client.get(base + '/victims?limit=5')
    assert st == 200 and len(vs['victims']) == 5
    v = vs['victims'][0]
    assert {'id', 'kind', 'nf', 'time_ns', 'latency_ns', 'packet',
            'causes'} <= set(v)
    assert v['causes'] and {'rank', 'kind', 'nf', 'nf_type', 'score', 'share',
                            'start_ns', 'end_ns', 'culprit_packets',
                            'flows'} <= set(v['causes'][0])
    st, one = client.get(base + '/victims/%d' % v['id'])
    assert st == 200 and one == v
    st, causes = client.get(base + '/causes?max_rank=1&limit=1000')
    assert st == 200 and causes['causes']
    assert all(c['rank'] == 1 for c in causes['causes'])
    nf = causes['causes'][0]['nf']
    st, mine = client.get(base + '/causes?nf=%s' % nf)
    assert mine['causes'] and all(c['nf'] == nf for c in mine['causes'])
    st, ranged = client.get(base + '/victims?start_ns=%d&end_ns=%d'
                            % (v['time_ns'], v['time_ns'] + 1))
    assert any(x['id'] == v['id'] for x in ranged['victims'])
    assert all(x['time_ns'] == v['time_ns'] for x in ranged['victims'])
    st, pats = client.get(base + '/patterns?threshold=0.01')
    assert st == 200 and 'patterns' in pats and pats['status']
    st, hints = client.get(base + '/scaling_hints')
    assert st == 200, hints
    assert all(h['action'] in ('SCALE_OUT', 'SCALE_IN', 'HEAL') and h['reason']
               and h['detail'] for h in hints['scaling_hints'])
    st, lst = client.get('/v1/diagnoses?state=succeeded')
    assert [x['id'] for x in lst['diagnoses']] == [d['id']]
    assert client.delete(base)[0] == 204
    assert client.get(base)[0] == 404


def test_diagnosis_split_into_tasks(api, small_run):
    client, conf = api
    conf.set_override('slice_ms', 25, group='engine')
    _, coll = servicelib.upload_run(client, small_run)
    st, d = client.post('/v1/diagnoses', json={
        'collection_id': coll['id'], 'victims': {'latency_threshold_ns': 200000}})
    assert st == 202 and d['state'] == 'pending' and d['tasks'] == 3
    d = servicelib.wait_diagnosis(client, d['id'])
    assert d['state'] == 'succeeded'
    assert [t['seq'] for t in d['task_states']] == [0, 1, 2]
    # every page: the tasks run concurrently, so the first 1000 victim
    # ids may all belong to whichever task stored its victims first
    tasks, path = set(), '/v1/diagnoses/%s/victims?limit=1000' % d['id']
    while path:
        st, vs = client.get(path)
        assert st == 200
        tasks |= {v['task'] for v in vs['victims']}
        path = vs['next'] and vs['next'][len(client.base):]
    assert tasks <= {0, 1, 2} and len(tasks) >= 2


def test_personas(diagnosed):
    client, conf, topo, coll, d = diagnosed
    base = '/v1/diagnoses/%s' % d['id']
    other = client.as_(**{'X-Roles': 'reader', 'X-Project-Id': 'other'})
    assert other.get(base)[0] == 404
    assert other.get('/v1/diagnoses')[1]['diagnoses'] == []
    owner_reader = client.as_(**{'X-Roles': 'reader',
                                 'X-Project-Id': 'default'})
    assert owner_reader.get(base)[0] == 200
    st, body = owner_reader.post('/v1/diagnoses',
                                 json={'collection_id': coll['id']})
    assert st == 403 and 'microscope:diagnosis:create' in \
        body['error']['message']
    vendor = client.as_(**{'X-Roles': 'vendor',
                           'X-Project-Id': 'bravo-project'})
    st, vd = vendor.get(base)
    assert st == 200 and vd['summary'] is None
    st, causes = vendor.get(base + '/causes?limit=1000')
    assert st == 200 and causes['causes']
    for c in causes['causes']:
        assert c['vendor'] == 'Bravo Security' or \
            c['victim_vendor'] == 'Bravo Security'
        if c['vendor'] != 'Bravo Security':
            assert c['nf'] is None and c.get('redacted')
    st, vs = vendor.get(base + '/victims?limit=1000')
    assert all(v['vendor'] == 'Bravo Security' for v in vs['victims'])
    assert vendor.get(base + '/scaling_hints')[0] == 403
    assert vendor.get('/v1/collections')[0] == 403
    unmapped = client.as_(**{'X-Roles': 'vendor', 'X-Project-Id': 'nobody'})
    assert unmapped.get(base + '/causes')[0] == 403


BAD = [
    ('GET', '/v1/topologies?limit=0', None, 'limit'),
    ('GET', '/v1/topologies?limit=abc', None, 'limit'),
    ('GET', '/v1/topologies?limit=1&limit=2', None, 'limit'),
    ('GET', '/v1/topologies?colour=red', None, 'colour'),
    ('GET', '/v1/collections?start_ns=-1', None, 'start_ns'),
    ('GET', '/v1/collections?start_ns=5&end_ns=4', None, 'end_ns'),
    ('GET', '/v1/diagnoses?state=done', None, 'state'),
    ('GET', '/v1/topologies?marker=nope', None, 'marker'),
    ('POST', '/v1/topologies', {'nfs': []}, 'nfs'),
    ('POST', '/v1/topologies', {'nfs': [{'name': 'a'}]}, 'nfs[0].type'),
    ('POST', '/v1/topologies',
     {'nfs': [{'name': 'a', 'type': 'x', 'peak_rate_pps': -1}]},
     'nfs[0].peak_rate_pps'),
    ('POST', '/v1/topologies', {'nfs': [{'name': 'a', 'type': 'x'}],
                                'edges': [['a', 'b']]}, 'edges[0].to'),
    ('POST', '/v1/topologies', {'nfs': [{'name': 'a' * 300, 'type': 'x'}]},
     'nfs[0].name'),
    ('POST', '/v1/topologies', {'nfs': [{'name': 'a\x00', 'type': 'x'}]},
     'nfs[0].name'),
    ('POST', '/v1/topologies', {'nfs': [{'name': 'a', 'type': 'x'}],
                                'colour': 1}, 'colour'),
    ('POST', '/v1/topologies', [1, 2], 'body'),
    ('POST', '/v1/collections', {'name': 'x'}, 'topology_id'),
    ('POST', '/v1/collections', {'topology_id': 'nope', 'name': 'x'},
     'topology_id'),
    ('POST', '/v1/diagnoses', {}, 'collection_id'),
    ('POST', '/v1/diagnoses', {'collection_id': 5}, 'collection_id'),
]


@pytest.mark.parametrize('method,path,body,field', BAD)
def test_client_mistakes_are_4xx_naming_the_field(api, method, path, body,
                                                  field):
    client, _ = api
    st, err = client(method, path, json=body)
    assert 400 <= st < 500, err
    assert err['error']['field'] == field, err
    assert field in err['error']['message']


DIAG_BAD = [
    ({'diagnoser': 'oracle'}, 'diagnoser'),
    ({'start_ns': 'soon'}, 'start_ns'),
    ({'start_ns': 10, 'end_ns': 5}, 'end_ns'),
    ({'start_ns': 1, 'end_ns': 2}, 'start_ns'),
    ({'victims': {'latency_percentile': 150}}, 'victims.latency_percentile'),
    ({'victims': {'latency_percentile': 'high'}}, 'victims.latency_percentile'),
    ({'victims': {'include_lost': 'yes'}}, 'victims.include_lost'),
    ({'victims': {'colour': 1}}, 'victims.colour'),
    ({'victims': []}, 'victims'),
    ({'params': {'queuing': 'psychic'}}, 'params.queuing'),
    ({'params': {'max_depth': 0}}, 'params.max_depth'),
    ({'params': {'max_depth': 2 ** 70}}, 'params.max_depth'),
    ({'params': {'peak_rates': {'nat1': -5}}}, 'params.peak_rates.nat1'),
    ({'params': {'start_ns': 5}}, 'params.start_ns'),
    ({'extra': True}, 'extra'),
]


def test_diagnosis_mistakes_name_the_field(api, small_run):
    client, _ = api
    _, coll = servicelib.upload_run(client, small_run)
    for extra, field in DIAG_BAD:
        st, err = client.post('/v1/diagnoses',
                              json=dict(extra, collection_id=coll['id']))
        assert st == 400, (extra, err)
        assert err['error']['field'] == field, (extra, err)
    st, err = client.post('/v1/diagnoses', data='{nope',
                          headers={'Content-Type': 'application/json'})
    assert st == 400 and err['error']['field'] == 'body'
    st, err = client.post('/v1/collections/%s/files' % coll['id'], data=b'x',
                          headers={'Content-Type': 'text/plain'})
    assert st == 415 and err['error']['field'] == 'body'
    st, err = client.post('/v1/collections/%s/files' % coll['id'],
                          data=b'not a record file', headers=OCTET)
    assert st == 400 and err['error']['field'] == 'file'


def test_range_is_clipped_to_the_collection(api, small_run):
    client, conf = api
    conf.set_override('embedded_engine', False, group='api')
    _, coll = servicelib.upload_run(client, small_run)
    _, c = client.get('/v1/collections/%s' % coll['id'])
    st, d = client.post('/v1/diagnoses', json={
        'collection_id': coll['id'], 'start_ns': 0, 'end_ns': 2 ** 62})
    assert st == 202, d
    assert (d['start_ns'], d['end_ns']) == (c['start_ns'], c['end_ns'] + 1)
    assert d['tasks'] == 1


def test_empty_collection_cannot_be_diagnosed(api, small_run):
    client, _ = api
    topo = json.load(open(os.path.join(small_run, 'topology.json')))
    _, t = client.post('/v1/topologies', json=topo)
    _, c = client.post('/v1/collections', json={'topology_id': t['id'],
                                                'name': 'empty'})
    st, err = client.post('/v1/diagnoses', json={'collection_id': c['id']})
    assert st == 400 and err['error']['field'] == 'collection_id'
    st, err = client.delete('/v1/topologies/%s' % t['id'])
    assert st == 409 and err['error']['field'] == 'topology_id'


def test_keystone_strategy_requires_a_token(tmp_path, sqlite_url):
    from keystonemiddleware import auth_token
    from tests.functional.conftest import start_api

    def prepare(conf):
        for group, opts in auth_token.list_opts():
            conf.register_opts(opts, group=group)
        conf.set_override('www_authenticate_uri', 'http://127.0.0.1:9/v3',
                          group='keystone_authtoken')

    conf, server, engine, url = start_api(
        tmp_path, sqlite_url, prepare, **{'api.auth_strategy': 'keystone',
                                          'api.embedded_engine': False})
    try:
        st, body = servicelib.Client(url).get('/v1/topologies')
        assert st == 401 and body['error']['code'] == 401
        # noauth's identity headers mean nothing without a token
        st, body = servicelib.Client(url, {'X-Roles': 'admin'}).get(
            '/v1/diagnoses')
        assert st == 401
    finally:
        server.shutdown()
        server.server_close()
