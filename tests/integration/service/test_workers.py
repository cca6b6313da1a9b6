"""Scale-out engine workers over RabbitMQ with PostgreSQL: microscope-engine
processes share a diagnosis' tasks; a worker killed mid-task has its task
retried by another, or failed with the reason when out of attempts."""
import os
import signal
import subprocess
import sys
import time

import pytest

from microscope_plugin.api import policies
from microscope_plugin.cmd import api as api_cmd
from microscope_plugin.db import migration
from microscope_plugin.db import session
from tests import servicelib

pytestmark = [pytest.mark.postgresql, pytest.mark.rabbitmq]


def write_conf(path, db_url, transport_url, topic, **engine):
    opts = dict(task_timeout=4, heartbeat_interval=0.5, reaper_interval=0.5,
                pending_timeout=30, slice_ms=20, max_attempts=2)
    opts.update(engine)
    lines = ['[DEFAULT]', 'transport_url = %s' % transport_url,
             'state_path = %s' % path.parent, '[database]',
             'connection = %s' % db_url, '[engine]', 'topic = %s' % topic]
    lines += ['%s = %s' % kv for kv in opts.items()]
    path.write_text('\n'.join(lines) + '\n')
    return path


class Engine:
    """A microscope-engine process."""

    def __init__(self, conf_file, log, workers=1):
        exe = os.path.join(os.path.dirname(sys.executable), 'microscope-engine')
        self.log = open(log, 'w')
        self.proc = subprocess.Popen([exe, '--config-file', str(conf_file)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.logpath = log
        deadline = time.time() + 60
        while time.time() < deadline:
            text = open(log).read()
            self.names = [line.split()[2] for line in text.splitlines()
                          if line.startswith('microscope-engine worker ')
                          and line.endswith(' ready')]
            if len(self.names) == workers:
                return
            assert self.proc.poll() is None, text
            time.sleep(0.1)
        raise AssertionError('engine did not start: ' + open(log).read())

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


@pytest.fixture
def service(tmp_path, pg_url, rabbit_url):
    """API (in this process, casting over RabbitMQ) on a PostgreSQL
    database; returns (client, conf-file factory)."""
    topic = servicelib.unique('microscope-engine')
    conf = servicelib.make_conf(pg_url, tmp_path, **{
        'transport_url': rabbit_url, 'engine.topic': topic,
        'engine.slice_ms': 20})
    migration.upgrade(session.get_engine(conf))
    policies.reset()
    server, engine, url = api_cmd.serve_in_thread(conf)
    assert engine is None           # RabbitMQ: workers are separate
    engines = []

    def start(name, **opts):
        f = write_conf(tmp_path / ('%s.conf' % name), pg_url, rabbit_url,
                       topic, **opts)
        e = Engine(f, tmp_path / ('%s.log' % name), opts.get('workers', 1))
        engines.append(e)
        return e
    yield servicelib.Client(url), start
    for e in engines:
        e.stop()
    server.shutdown()
    server.server_close()
    from microscope_plugin.engine import messaging
    messaging.cleanup()
    session.dispose_all()


def wait_running(client, did, worker_names, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        st, d = client.get('/v1/diagnoses/%s' % did)
        for t in d['task_states']:
            if t['state'] == 'running' and t['worker'] in worker_names:
                return t
        assert d['state'] in ('pending', 'running'), d
        time.sleep(0.05)
    raise AssertionError('no task started on %s' % worker_names)


def test_two_engines_share_the_tasks(service, small_run):
    client, start = service
    a = start('a', workers=2)
    assert len(a.names) == 2
    _, coll = servicelib.upload_run(client, small_run)
    st, d = client.post('/v1/diagnoses', json={'collection_id': coll['id']})
    assert st == 202 and d['tasks'] == 4
    d = servicelib.wait_diagnosis(client, d['id'])
    assert d['state'] == 'succeeded', d
    workers = {t['worker'] for t in d['task_states']}
    assert workers <= set(a.names) and len(workers) == 2, workers
    st, vs = client.get('/v1/diagnoses/%s/victims?limit=1' % d['id'])
    assert vs['victims']


def test_killed_worker_task_is_retried(service, small_run):
    client, start = service
    a = start('victim-engine')
    _, coll = servicelib.upload_run(client, small_run)
    st, d = client.post('/v1/diagnoses', json={'collection_id': coll['id']})
    task = wait_running(client, d['id'], a.names)
    a.kill()
    b = start('rescuer')
    d = servicelib.wait_diagnosis(client, d['id'])
    assert d['state'] == 'succeeded', d
    t = [x for x in d['task_states'] if x['seq'] == task['seq']][0]
    assert t['attempts'] == 2 and t['worker'] in b.names
    assert a.names[0] in t['reason'] and 'stopped heartbeating' in t['reason']


def test_killed_worker_out_of_attempts_fails_with_reason(service, small_run):
    client, start = service
    a = start('victim-engine', max_attempts=1)
    _, coll = servicelib.upload_run(client, small_run)
    st, d = client.post('/v1/diagnoses', json={'collection_id': coll['id']})
    wait_running(client, d['id'], a.names)
    a.kill()
    start('witness', max_attempts=1)
    d = servicelib.wait_diagnosis(client, d['id'], timeout=120)
    assert d['state'] == 'failed'
    assert 'stopped heartbeating' in d['reason'] and a.names[0] in d['reason']
    assert all(t['state'] != 'running' for t in d['task_states'])
