"""``microscope-engine``: diagnosis workers consuming jobs over
oslo.messaging (``transport_url``; RabbitMQ in production).

``[engine] workers`` processes are started; each is a separate consumer of
the topic, so several engines (on several hosts) share the work.
"""
import multiprocessing
import signal
import sys
import threading

from oslo_log import log

from microscope_plugin import conf
from microscope_plugin.cmd import start_service

LOG = log.getLogger(__name__)


def run_worker(config):
    """Run one worker until SIGTERM/SIGINT."""
    from microscope_plugin.db import session
    from microscope_plugin.engine import messaging
    from microscope_plugin.engine import worker
    if messaging.is_embedded(config):
        LOG.warning('no transport_url: the in-process driver reaches only '
                    'this process; an API elsewhere cannot send it jobs')
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *a: stop.set())
    w = worker.Worker(config, session.Database.from_conf(config)).start()
    print('microscope-engine worker %s ready' % w.name, flush=True)
    stop.wait()
    w.stop()
    from microscope_plugin.integrations import delivery
    delivery.stop_all(drain_s=5.0)   # alarms still queued get a moment
    messaging.cleanup()


def _child(argv):
    conf.CONF(argv, project='microscope', prog='microscope-engine')
    log.setup(conf.CONF, 'microscope-engine')
    run_worker(conf.CONF)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if start_service(argv, 'microscope-engine'):
        return 2
    n = conf.CONF.engine.workers
    if n == 1:
        run_worker(conf.CONF)
        return 0
    ctx = multiprocessing.get_context('spawn')
    procs = [ctx.Process(target=_child, args=(argv,), name='worker-%d' % i)
             for i in range(n)]
    for p in procs:
        p.start()

    def forward(sig, _frame):
        for p in procs:
            if p.is_alive():
                p.terminate()
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for p in procs:
        p.join()
    return 0


if __name__ == '__main__':
    sys.exit(main())
