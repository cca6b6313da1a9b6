"""Delivering alarms off the diagnosis' critical path.

:func:`publish` builds the messages of every configured sink and puts
them on a bounded queue; a few daemon threads send them, retrying with
exponential backoff (``[alarms] backoff_s`` doubling up to
``max_backoff_s``, ``max_attempts``).  The caller — the engine finishing
a diagnosis — never waits: a full queue drops the message and records
that.  Every outcome (delivered, failed, dropped) is a row of the
``alarms`` table with the payload, the HTTP status and the error.
"""
import logging
import queue
import threading
import time

from microscope_plugin.db import api as dbapi
from microscope_plugin.integrations import plugins
from microscope_plugin.integrations.sinks.base import SinkError

LOG = logging.getLogger(__name__)
THREADS = 4


class Dispatcher:
    def __init__(self, conf, db, threads=THREADS):
        self.conf, self.db = conf, db
        self.queue = queue.Queue(maxsize=conf.alarms.queue_size)
        self._stop = threading.Event()
        self._busy = 0
        self._lock = threading.Lock()
        self._sinks = None
        self._threads = [threading.Thread(target=self._run, daemon=True,
                                          name='alarm-delivery-%d' % i)
                         for i in range(threads)]
        for t in self._threads:
            t.start()

    def submit(self, diagnosis_id, sink, target, payload):
        """Queue one message; False (and a 'dropped' row) when full."""
        try:
            self.queue.put_nowait((diagnosis_id, sink, target, payload))
            return True
        except queue.Full:
            LOG.error('alarm queue full: dropping %s message to %s',
                      sink.name, target)
            self._record(diagnosis_id, sink, target, payload, 'dropped',
                         error='delivery queue full ([alarms] queue_size)')
            return False

    def _record(self, diagnosis_id, sink, target, payload, status,
                http_status=None, error=None):
        try:
            with self.db.begin() as s:
                dbapi.record_alarm(s, diagnosis_id, sink.name, str(target)[:1024],
                                   status, payload, http_status, error)
        except Exception:
            LOG.exception('recording the %s alarm of %s', sink.name,
                          diagnosis_id)

    def deliver(self, diagnosis_id, sink, target, payload):
        """Send with retries; returns the final status."""
        a = self.conf.alarms
        delay, error, code = a.backoff_s, None, None
        for attempt in range(1, a.max_attempts + 1):
            try:
                code = sink.send(target, payload)
                self._record(diagnosis_id, sink, target, payload, 'delivered',
                             code, None if attempt == 1 else
                             'delivered at attempt %d after: %s'
                             % (attempt, error))
                return 'delivered'
            except SinkError as e:
                error, code = str(e), e.status
                if not e.retry:
                    break
            except Exception as e:   # a sink bug must not kill the thread
                error, code = '%s: %s' % (type(e).__name__, e), None
                break
            if attempt < a.max_attempts and self._stop.wait(delay):
                break
            delay = min(delay * 2, a.max_backoff_s)
        LOG.warning('alarm to %s (%s) failed: %s', target, sink.name, error)
        self._record(diagnosis_id, sink, target, payload, 'failed', code,
                     error)
        return 'failed'

    def _run(self):
        while not self._stop.is_set():
            try:
                item = self.queue.get(timeout=0.2)
            except queue.Empty:
                continue
            with self._lock:
                self._busy += 1
            try:
                self.deliver(*item)
            finally:
                with self._lock:
                    self._busy -= 1
                self.queue.task_done()

    def sinks(self):
        """The configured sinks, loaded once: a sink may hold a connection
        (notifications) that must not be opened per diagnosis."""
        with self._lock:
            if self._sinks is None:
                self._sinks = plugins.load_sinks(self.conf)
            return self._sinks

    def wait_idle(self, timeout=30):
        """True once nothing is queued or being sent (tests, shutdown)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                if self._busy == 0 and self.queue.empty():
                    return True
            time.sleep(0.02)
        return False

    def stop(self):
        """Stop the delivery threads, then close the sinks' connections."""
        self._stop.set()
        for t in self._threads:
            t.join(timeout=5)
        with self._lock:
            sinks, self._sinks = self._sinks or [], None
        for sink in sinks:
            try:
                sink.close()
            except Exception:
                LOG.exception('closing alarm sink %s', sink.name)


_DISPATCHERS = {}
_LOCK = threading.Lock()


def dispatcher(conf, db):
    key = (id(conf), id(db))
    with _LOCK:
        d = _DISPATCHERS.get(key)
        if d is None:
            d = _DISPATCHERS[key] = Dispatcher(conf, db)
        return d


def stop_all(drain_s=0.0):
    """Stop every dispatcher, first giving queued messages up to
    ``drain_s`` seconds (a service shutting down)."""
    with _LOCK:
        for d in _DISPATCHERS.values():
            if drain_s:
                d.wait_idle(drain_s)
    with _LOCK:
        for d in _DISPATCHERS.values():
            d.stop()
        _DISPATCHERS.clear()


def publish(conf, db, event, sinks=None):
    """Queue ``event``'s messages for every sink; returns how many were
    queued.  A sink that cannot even build its messages (say, its URL is
    not set) is recorded as failed; the others still get theirs."""
    d = dispatcher(conf, db)
    did = event['diagnosis']['id']
    n = 0
    for sink in (d.sinks() if sinks is None else sinks):
        try:
            msgs = sink.messages(event)
        except SinkError as e:
            d._record(did, sink, '-', {'event': 'diagnosis.end'}, 'failed',
                      error=str(e))
            continue
        for target, payload in msgs:
            n += d.submit(did, sink, target, payload)
    return n
