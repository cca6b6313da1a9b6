"""Alarms in: an Aodh webhook or Alertmanager/Tacker alerts posted to
/v1/alarms start a diagnosis of the alarm's window; mistakes are 4xx
naming the field; the policy rule applies."""
import datetime

import pytest

from tests import servicelib


def rfc3339(ns):
    t = datetime.datetime.fromtimestamp(ns // 10**9, datetime.timezone.utc)
    return t.strftime('%Y-%m-%dT%H:%M:%S') + '.%09dZ' % (ns % 10**9)


@pytest.fixture
def loaded(api, small_run):
    client, conf = api
    topo, coll = servicelib.upload_run(client, small_run)
    st, c = client.get('/v1/collections/%s' % coll['id'])
    return client, c


def test_alertmanager_alert_starts_a_diagnosis_of_its_window(loaded):
    client, c = loaded
    mid = (c['start_ns'] + c['end_ns']) // 2
    body = {'version': '4', 'status': 'firing', 'receiver': 'microscope',
            'alerts': [{'status': 'firing',
                        'labels': {'receiver_type': 'tacker',
                                   'function_type': 'vnffm',
                                   'alertname': 'HighLatency'},
                        'annotations': {'value': 3},
                        'startsAt': rfc3339(mid),
                        'endsAt': '0001-01-01T00:00:00Z',
                        'fingerprint': 'abc'}]}
    st, r = client.post('/v1/alarms?lookback_ms=20', json=body)
    assert st == 202, r
    assert r['alarm']['source'] == 'alertmanager'
    assert r['alarm']['name'] == 'HighLatency'
    d = r['diagnosis']
    assert d['collection_id'] == c['id']
    assert d['start_ns'] == mid - 20_000_000 and d['end_ns'] == mid + 1
    d = servicelib.wait_diagnosis(client, d['id'])
    assert d['state'] == 'succeeded'


def test_aodh_webhook_with_timestamp_and_collection(loaded):
    client, c = loaded
    at = c['start_ns'] + 30_000_000
    body = {'alarm_name': 'nf-latency', 'alarm_id': 'a1b2',
            'severity': 'critical', 'previous': 'ok', 'current': 'alarm',
            'reason': 'Transition to alarm due to 3 samples outside '
                      'threshold',
            'reason_data': {'type': 'threshold', 'timestamp': rfc3339(at)}}
    st, r = client.post('/v1/alarms?collection_id=%s&lookback_ms=10'
                        % c['id'], json=body)
    assert st == 202, r
    assert r['alarm'] == {'source': 'aodh', 'name': 'nf-latency',
                          'firing': True, 'start_ns': at - 10_000_000,
                          'end_ns': at + 1}
    assert r['diagnosis']['start_ns'] == max(at - 10_000_000, c['start_ns'])


def test_resolved_alarm_starts_nothing(loaded):
    client, c = loaded
    st, r = client.post('/v1/alarms', json={
        'alarm_id': 'x', 'current': 'ok', 'previous': 'alarm'})
    assert st == 200 and r['diagnosis'] is None and r['ignored']
    st, lst = client.get('/v1/diagnoses')
    assert lst['diagnoses'] == []


@pytest.mark.parametrize('body,query,field', [
    ({}, '', 'body'),
    ({'alerts': []}, '', 'alerts'),
    ({'alerts': [{'labels': {}}]}, '', 'alerts[0].startsAt'),
    ({'alerts': [{'startsAt': 'yesterday'}]}, '', 'alerts[0].startsAt'),
    ({'alerts': [{'startsAt': '2020-01-01T00:00:00Z', 'status': 'on'}]}, '',
     'alerts[0].status'),
    ({'alerts': [{'startsAt': '2020-01-01T00:00:00Z', 'bogus': 1}]}, '',
     'alerts[0].bogus'),
    ({'alerts': [{'startsAt': '2020-01-01T00:00:00Z', 'labels': []}]}, '',
     'alerts[0].labels'),
    ({'alarm_id': 'a'}, '', 'current'),
    ({'alarm_id': 5, 'current': 'alarm'}, '', 'alarm_id'),
    ({'alarm_id': 'a', 'current': 'alarm',
      'reason_data': {'timestamp': 'soon'}}, '', 'reason_data.timestamp'),
    ({'alarm_id': 'a', 'current': 'alarm'}, 'lookback_ms=0', 'lookback_ms'),
    ({'alarm_id': 'a', 'current': 'alarm'}, 'collection_id=nope',
     'collection_id'),
    # now is far from the emulated run's records (they start at 1970)
    ({'alarm_id': 'a', 'current': 'alarm'}, '', 'collection_id'),
])
def test_bad_alarms_are_4xx_naming_the_field(loaded, body, query, field):
    client, c = loaded
    st, r = client.post('/v1/alarms' + ('?' + query if query else ''),
                        json=body)
    assert 400 <= st < 500, r
    assert r['error']['field'] == field, r


def test_policy_reader_may_not_post_alarms(loaded):
    client, c = loaded
    reader = client.as_(**{'X-Roles': 'reader', 'X-Project-Id': 'default'})
    st, r = reader.post('/v1/alarms', json={'alarm_id': 'a',
                                            'current': 'alarm'})
    assert st == 403 and 'microscope:alarm:create' in r['error']['message']
