"""The ``notifications`` alarm sink against the RabbitMQ on this machine:
a finished diagnosis is announced as ``microscope.diagnosis.end`` plus one
notification per alarm and hint, which an oslo.messaging listener (as
Aodh or Vitrage would run) receives; an unreachable broker is bounded and
recorded as failed, the diagnosis unaffected."""
import threading
import time

import oslo_messaging
import pytest

from microscope_plugin.db import api as dbapi
from microscope_plugin.db import session
from microscope_plugin.integrations import delivery
from tests import receivers
from tests import servicelib
from tests.functional.conftest import start_api


class Collect:
    def __init__(self):
        self.got = []
        self.lock = threading.Lock()

    def _add(self, level, event_type, payload, publisher_id):
        with self.lock:
            self.got.append((level, event_type, payload, publisher_id))

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self._add('info', event_type, payload, publisher_id)

    def warn(self, ctxt, publisher_id, event_type, payload, metadata):
        self._add('warn', event_type, payload, publisher_id)


@pytest.fixture
def api_with_notifications(tmp_path, rabbit_url):
    topic = servicelib.unique('microscope_notif')
    url = 'sqlite:///%s' % (tmp_path / 'm.sqlite')
    started = []

    def start(notification_url):
        conf, server, engine, base = start_api(tmp_path, url, **{
            'integrations.alarm_sinks': ['notifications'],
            'alarms.notification_url': notification_url,
            'alarms.notification_topic': topic, 'alarms.backoff_s': 0.1,
            'alarms.max_attempts': 2})
        started.append((server, engine))
        return servicelib.Client(base), conf
    yield start, topic, url
    for server, engine in started:
        server.shutdown()
        server.server_close()
        engine.stop()
    delivery.stop_all()
    session.dispose_all()


def test_diagnosis_end_and_alarms_reach_a_listener(api_with_notifications,
                                                   rabbit_url, small_run):
    start, topic, _ = api_with_notifications
    client, conf = start(rabbit_url)
    transport = oslo_messaging.get_notification_transport(conf, url=rabbit_url)
    sink = Collect()
    listener = oslo_messaging.get_notification_listener(
        transport, [oslo_messaging.Target(topic=topic)], [sink],
        executor='threading')
    listener.start()
    try:
        d = servicelib.diagnose_run(client, small_run)
        end = time.monotonic() + 30
        while time.monotonic() < end:
            with sink.lock:
                ends = [g[2] for g in sink.got
                        if g[1] == 'microscope.diagnosis.end']
                n = len(sink.got)
            if ends and n >= 1 + len(ends[0]['alarms']) + \
                    len(ends[0]['scaling_hints']):
                break
            time.sleep(0.1)
    finally:
        listener.stop()
        listener.wait()
        transport.cleanup()
    by_type = {}
    for level, et, payload, pub in sink.got:
        by_type.setdefault(et, []).append((level, payload, pub))
    (level, ended, pub), = by_type['microscope.diagnosis.end']
    assert pub == 'microscope.engine' and ended['id'] == d['id']
    assert ended['alarms'] and ended['url'].endswith(d['id'])
    roots = by_type['microscope.alarm.root_cause']
    assert all(lv == 'warn' and p['isRootCause'] for lv, p, _ in roots)
    assert {p['nf'] for _, p, _ in roots} == \
        {a['nf'] for a in ended['alarms'] if a['isRootCause']}
    victims = by_type.get('microscope.alarm.victim', [])
    assert all(not p['isRootCause'] for _, p, _ in victims)
    # stopping the service closes the sink's broker connections: no
    # heartbeat thread is left to log into a closed stream
    delivery.stop_all()
    left = [t.name for t in threading.enumerate()
            if t.name == 'Rabbit-heartbeat' and t.is_alive()]
    assert left == []


def test_unreachable_broker_is_bounded_and_recorded(api_with_notifications,
                                                    small_run):
    start, topic, db_url = api_with_notifications
    dead = receivers.dead_url().replace('http://', 'rabbit://guest:guest@')
    client, conf = start(dead + '/')
    d = servicelib.diagnose_run(client, small_run)
    db = session.Database.from_url(db_url)

    def rows():
        with db.begin() as s:
            return [(r.status, r.error) for r in dbapi.list_alarms(s, d['id'])]
    end = time.monotonic() + 90
    while time.monotonic() < end and not rows():
        time.sleep(0.2)
    assert rows() and all(st == 'failed' for st, _ in rows())
    assert 'notification' in rows()[0][1]
