"""A diagnosis worker: consumes ``run_task`` casts, heartbeats while it
runs a task, and reaps the tasks of dead workers.

Any number of workers (processes, hosts) consume the same topic; the
database decides which one runs a task (a conditional UPDATE claims it).
A worker killed mid-task stops heartbeating; any live worker's reaper
then puts the task back to pending and announces it again, or fails the
diagnosis with the reason after ``[engine] max_attempts``.
"""
import logging
import os
import socket
import threading
import traceback

import oslo_messaging

from microscope_plugin.db import api as dbapi
from microscope_plugin.engine import jobs
from microscope_plugin.engine import messaging

LOG = logging.getLogger(__name__)


class _Heartbeat(threading.Thread):
    def __init__(self, worker, task):
        super().__init__(name='heartbeat-%d' % task.id, daemon=True)
        self.worker, self.task = worker, task
        self.done = threading.Event()

    def run(self):
        interval = self.worker.conf.engine.heartbeat_interval
        while not self.done.wait(interval):
            try:
                with self.worker.db.begin() as s:
                    if not dbapi.heartbeat(s, self.task.id, self.worker.name,
                                           self.task.attempts):
                        return
            except Exception:
                LOG.exception('heartbeat of task %d failed', self.task.id)


class Endpoint:
    target = oslo_messaging.Target(namespace=messaging.NAMESPACE,
                                   version=messaging.VERSION)

    def __init__(self, worker):
        self.worker = worker

    def run_task(self, ctxt, diagnosis_id, task_id):
        self.worker.handle(diagnosis_id, task_id)


class Worker:
    def __init__(self, conf, db, transport=None, name=None):
        self.conf, self.db = conf, db
        self.transport = transport or messaging.get_transport(conf)
        self.name = name or '%s:%d:%x' % (socket.gethostname(), os.getpid(),
                                          id(self) & 0xffff)
        self.client = messaging.EngineClient(conf, self.transport)
        self._server = None
        self._stop = threading.Event()
        self._reaper = None

    def start(self):
        from microscope_plugin.integrations import plugins
        plugins.check_conf(self.conf)   # a mistyped plugin name fails here
        self._server = oslo_messaging.get_rpc_server(
            self.transport, messaging.target(self.conf, self.name),
            [Endpoint(self)])
        self._server.start()
        self._reaper = threading.Thread(target=self._reap_loop, daemon=True,
                                        name='reaper')
        self._reaper.start()
        LOG.info('engine worker %s consuming topic %s', self.name,
                 self.conf.engine.topic)
        return self

    def stop(self):
        self._stop.set()
        if self._server is not None:
            self._server.stop()
            self._server.wait()
        if self._reaper is not None:
            self._reaper.join(timeout=5)

    def handle(self, diagnosis_id, task_id):
        with self.db.begin() as s:
            task = dbapi.claim_task(s, task_id, self.name)
        if task is None:
            return False
        LOG.info('task %d of %s (attempt %d) on %s', task.id, diagnosis_id,
                 task.attempts, self.name)
        hb = _Heartbeat(self, task)
        hb.start()
        try:
            jobs.run_task(self.db, task, self.name, self.conf)
        except jobs.TaskLost:
            LOG.warning('task %d was taken over; dropping attempt %d',
                        task.id, task.attempts)
            return False
        except Exception as e:
            LOG.error('task %d failed: %s', task.id, traceback.format_exc())
            reason = '%s: %s' % (type(e).__name__, e)
            with self.db.begin() as s:
                if dbapi.finish_task(s, task.id, self.name, task.attempts,
                                     dbapi.FAILED, reason=reason):
                    dbapi.fail_diagnosis(s, diagnosis_id, 'task %d: %s'
                                         % (task.seq, reason))
            return False
        finally:
            hb.done.set()
        with self.db.begin() as s:
            ready = dbapi.try_complete(s, diagnosis_id)
        if ready:
            jobs.finalize(self.db, diagnosis_id, self.conf)
        return True

    def reap_once(self):
        e = self.conf.engine
        with self.db.begin() as s:
            retry, failed, again, finals = dbapi.reap(
                s, e.task_timeout, e.pending_timeout, e.max_attempts)
        for did in failed:
            LOG.warning('diagnosis %s failed: a task ran out of attempts', did)
        if retry or again:
            LOG.warning('announcing tasks again: %s', retry + again)
            self.client.announce(retry + again)
        for did in finals:
            jobs.finalize(self.db, did, self.conf)
        return retry, failed, again, finals

    def _reap_loop(self):
        while not self._stop.wait(self.conf.engine.reaper_interval):
            try:
                self.reap_once()
            except Exception:
                LOG.exception('reaper pass failed')
