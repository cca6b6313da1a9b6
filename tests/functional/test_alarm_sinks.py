"""Alarms out: every HTTP sink against a real receiver on loopback, the
payload shapes Aodh and Tacker's Prometheus plugin take, retries of a
flaky receiver, a dead receiver that never holds up a diagnosis, and the
bounded queue."""
import time
import urllib.parse

import pytest

from microscope_plugin.db import api as dbapi
from microscope_plugin.db import session
from microscope_plugin.integrations import delivery
from tests import receivers
from tests import servicelib
from tests.functional.conftest import start_api

PUBLIC = 'http://microscope.test:8787'
AODH_KEYS = {'alarm_name', 'alarm_id', 'severity', 'previous', 'current',
             'reason', 'reason_data'}
SEVERITIES = {'CRITICAL', 'MAJOR', 'MINOR', 'WARNING', 'INDETERMINATE',
              'CLEARED'}


def wait_for(pred, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def serve(tmp_path, sqlite_url):
    started = []

    def start(**overrides):
        base = {'integrations.public_url': PUBLIC, 'alarms.backoff_s': 0.05,
                'alarms.vnf_instances': {'firewall': 'vnf-fw-1'}}
        base.update(overrides)
        conf, server, engine, url = start_api(tmp_path, sqlite_url, **base)
        started.append((server, engine))
        return servicelib.Client(url), conf
    yield start
    for server, engine in started:
        server.shutdown()
        server.server_close()
        if engine is not None:
            engine.stop()
    delivery.stop_all()
    session.dispose_all()


def alarm_rows(sqlite_url, did):
    db = session.Database.from_url(sqlite_url)
    with db.begin() as s:
        return [(r.sink, r.target, r.status, r.http_status, r.error, r.payload)
                for r in dbapi.list_alarms(s, did, limit=1000)]


def test_aodh_and_tacker_receive_root_causes_and_hints(serve, small_run,
                                                       sqlite_url):
    with receivers.Receiver() as aodh, receivers.Receiver() as tacker:
        client, conf = serve(**{
            'integrations.alarm_sinks': ['aodh', 'tacker_prometheus', 'log'],
            'alarms.aodh_url': aodh.url + '/webhook',
            'alarms.tacker_url': tacker.url})
        d = servicelib.diagnose_run(client, small_run)
        assert wait_for(lambda: len(alarm_rows(sqlite_url, d['id'])) >= 3)
        assert wait_for(lambda: tacker.bodies('/alert') and aodh.bodies())
        # Aodh: exactly the webhook's keys, one POST per alarm
        bodies = aodh.bodies('/webhook')
        assert bodies and all(set(b) == AODH_KEYS for b in bodies)
        assert all(h.get('x-openstack-request-id', '').startswith('req-')
                   for p, h, _ in aodh.requests)
        roots = [b for b in bodies if b['reason_data']['role'] == 'root_cause']
        victims = [b for b in bodies if b['reason_data']['role'] == 'victim']
        assert roots and victims
        top = max(roots, key=lambda b: b['reason_data']['victims'])
        rd = top['reason_data']
        assert rd['isRootCause'] is True and top['current'] == 'alarm'
        assert top['alarm_id'] == rd['id'] and rd['score'] > 0
        assert rd['nf'] == d['summary']['top_causes'][0]['nf']
        # the root cause and its victims name each other
        vids = {v['alarm_id'] for v in victims}
        assert set(rd['correlatedAlarmIds']) <= vids and rd['correlatedAlarmIds']
        for v in victims:
            assert v['reason_data']['isRootCause'] is False
            assert set(v['reason_data']['correlatedAlarmIds']) <= \
                {r['alarm_id'] for r in roots}
        # the evidence link is a working API query
        link = urllib.parse.urlsplit(rd['evidence'])
        assert rd['evidence'].startswith(PUBLIC)
        st, causes = client.get(link.path + '?' + link.query)
        assert st == 200 and causes['causes'] and \
            {c['nf'] for c in causes['causes']} == {rd['nf']}
        # Tacker: Alertmanager-shaped FM alerts
        (fm,) = tacker.bodies('/alert')
        assert set(fm) == {'alerts'}
        for a in fm['alerts']:
            assert a['labels']['receiver_type'] == 'tacker'
            assert a['labels']['function_type'] == 'vnffm'
            assert a['labels']['perceived_severity'] in SEVERITIES
            assert a['status'] == 'firing' and a['startsAt'].endswith('Z')
            assert {'probable_cause', 'fault_type', 'fault_details'} <= \
                set(a['annotations'])
        fw = [a for a in fm['alerts']
              if a['labels']['microscope_nf'].startswith('firewall')]
        assert fw and all(a['labels']['vnf_instance_id'] == 'vnf-fw-1'
                          for a in fw)
        # the small run's buggy firewall gets a HEAL hint: auto_heal
        st, hints = client.get('/v1/diagnoses/%s/scaling_hints' % d['id'])
        if any(h['action'] == 'HEAL' for h in hints['scaling_hints']):
            assert wait_for(lambda: tacker.bodies('/alert/auto_healing'))
            (heal,) = tacker.bodies('/alert/auto_healing')
            labels = heal['alerts'][0]['labels']
            assert labels['function_type'] == 'auto_heal'
            assert labels['vnf_instance_id'] == 'vnf-fw-1'
            assert labels['vnfc_info_id'].startswith('firewall')
        rows = alarm_rows(sqlite_url, d['id'])
        assert {r[2] for r in rows} == {'delivered'}
        assert {r[3] for r in rows if r[0] == 'aodh'} == {204}


def test_flaky_receiver_gets_everything_after_retries(serve, small_run,
                                                      sqlite_url):
    with receivers.Receiver([503, 500, 204]) as aodh:
        client, conf = serve(**{'integrations.alarm_sinks': ['aodh'],
                                'integrations.send_hints': False,
                                'alarms.aodh_url': aodh.url})
        d = servicelib.diagnose_run(client, small_run)

        def settled():
            # every alarm the receiver saw (refused tries included) has
            # its outcome stored: counting rows alone could match while a
            # refused alarm still waits for its retry
            rows = alarm_rows(sqlite_url, d['id'])
            seen = {b['alarm_id'] for b in aodh.bodies()}
            stored = {r[5]['alarm_id'] for r in rows}
            return seen and seen <= stored
        assert wait_for(settled)
        rows = alarm_rows(sqlite_url, d['id'])
        assert rows and all(r[2] == 'delivered' for r in rows), rows
        # the receiver refused the first two POSTs (several alarms are
        # sent at once, so one or two of them were retried)
        import re
        extra = [int(re.search(r'attempt (\d+)', r[4]).group(1)) - 1
                 for r in rows if r[4]]
        assert sum(extra) == 2 and all(' 50' in r[4] for r in rows if r[4])
        # every alarm arrived once, plus the two refused tries
        assert len(aodh.requests) == len(rows) + 2


def test_dead_receiver_never_blocks_the_diagnosis(serve, small_run,
                                                  sqlite_url):
    dead = receivers.dead_url()
    with receivers.Receiver() as aodh:
        client, conf = serve(**{
            'integrations.alarm_sinks': ['tacker_prometheus', 'aodh'],
            'alarms.tacker_url': dead, 'alarms.aodh_url': aodh.url,
            'alarms.backoff_s': 2.0, 'alarms.max_attempts': 3})
        d = servicelib.diagnose_run(client, small_run)
        # the dead receiver's 3 attempts take >= 6 s of backoff; the
        # diagnosis was done before any of them failed
        rows = alarm_rows(sqlite_url, d['id'])
        assert not [r for r in rows if r[0] == 'tacker_prometheus']
        # the live receiver is served while the dead one is retried
        assert wait_for(lambda: aodh.bodies(), 10)
        assert wait_for(lambda: [r for r in alarm_rows(sqlite_url, d['id'])
                                 if r[0] == 'tacker_prometheus'], 30)
        failed = [r for r in alarm_rows(sqlite_url, d['id'])
                  if r[0] == 'tacker_prometheus']
        assert all(r[2] == 'failed' and 'unreachable' in r[4] for r in failed)
        assert failed[0][1].startswith(dead + '/alert')


def test_receiver_refusing_a_message_is_not_retried(serve, small_run,
                                                    sqlite_url):
    with receivers.Receiver([400]) as aodh:
        client, conf = serve(**{'integrations.alarm_sinks': ['aodh'],
                                'integrations.send_hints': False,
                                'alarms.aodh_url': aodh.url})
        d = servicelib.diagnose_run(client, small_run)
        assert wait_for(lambda: alarm_rows(sqlite_url, d['id']))
        assert wait_for(lambda: len(alarm_rows(sqlite_url, d['id'])) ==
                        len(aodh.requests))
        rows = alarm_rows(sqlite_url, d['id'])
        assert all(r[2] == 'failed' and r[3] == 400 for r in rows)


def test_unset_url_is_recorded_not_raised(serve, small_run, sqlite_url):
    client, conf = serve(**{'integrations.alarm_sinks': ['aodh', 'log']})
    d = servicelib.diagnose_run(client, small_run)
    assert wait_for(lambda: any(r[0] == 'aodh' for r in
                                alarm_rows(sqlite_url, d['id'])))
    (row,) = [r for r in alarm_rows(sqlite_url, d['id']) if r[0] == 'aodh']
    assert row[2] == 'failed' and 'aodh_url is not set' in row[4]
    assert wait_for(lambda: any(r[0] == 'log' and r[2] == 'delivered'
                                for r in alarm_rows(sqlite_url, d['id'])))


def test_full_queue_drops_and_records(serve, small_run, sqlite_url):
    client, conf = serve(**{'integrations.alarm_sinks': ['log'],
                            'alarms.queue_size': 1})
    d = servicelib.diagnose_run(client, small_run)
    db = session.Database.from_url(sqlite_url)
    disp = delivery.Dispatcher(conf, db, threads=0)   # nobody sends
    from microscope_plugin.integrations.sinks.logsink import LogSink
    sink = LogSink(conf)
    payload = {'id': 'full-queue-test', 'role': 'victim', 'nf': 'nat1',
               'victims': 1, 'rootCauseFaultyResource': {'nf': 'ingress'}}
    assert disp.submit(d['id'], sink, 'log', payload) is True
    t0 = time.monotonic()
    assert disp.submit(d['id'], sink, 'log', payload) is False
    assert time.monotonic() - t0 < 1.0   # refused at once, not waited for
    mine = [r for r in alarm_rows(sqlite_url, d['id'])
            if r[5].get('id') == 'full-queue-test']
    assert [(r[2], 'queue_size' in r[4]) for r in mine] == [('dropped', True)]
