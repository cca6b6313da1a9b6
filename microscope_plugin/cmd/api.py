"""``microscope-api``: the REST API on a local threaded WSGI server.

For production run the WSGI application (``microscope_plugin.api.wsgi``)
under uwsgi or gunicorn.  With the in-process messaging driver (no
``transport_url``) an engine worker runs inside this process.
"""
import socketserver
import sys
import threading
from wsgiref import simple_server


from oslo_log import log

from microscope_plugin import conf
from microscope_plugin.cmd import start_service

LOG = log.getLogger(__name__)


class _Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True
    request_queue_size = 256


class _Handler(simple_server.WSGIRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        LOG.debug('%s %s', self.address_string(), fmt % args)


def start_embedded_engine(config):
    """An engine worker in this process (in-process messaging only)."""
    from microscope_plugin.db import session
    from microscope_plugin.engine import worker
    return worker.Worker(config, session.Database.from_conf(config)).start()


def make_server(config, host=None, port=None):
    from microscope_plugin.api import app
    from microscope_plugin.engine import messaging
    engine = None
    if messaging.is_embedded(config) and config.api.embedded_engine:
        engine = start_embedded_engine(config)
    server = simple_server.make_server(
        host or config.api.host, config.api.port if port is None else port,
        app.setup_app(config), server_class=_Server, handler_class=_Handler)
    return server, engine


def main(argv=None):
    if start_service(argv, 'microscope-api'):
        return 2
    server, engine = make_server(conf.CONF)
    host, port = server.server_address[:2]
    LOG.info('microscope-api listening on http://%s:%d/ (auth: %s)', host,
             port, conf.CONF.api.auth_strategy)
    print('microscope-api listening on http://%s:%d/' % (host, port),
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if engine is not None:
            engine.stop()
        from microscope_plugin.integrations import delivery
        delivery.stop_all(drain_s=5.0)
    return 0


def serve_in_thread(config, host='127.0.0.1', port=0):
    """Start the API on a free port in a thread (for tests and benchmarks);
    returns (server, engine worker or None, base url)."""
    server, engine = make_server(config, host, port)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    h, p = server.server_address[:2]
    return server, engine, 'http://%s:%d' % (h, p)


if __name__ == '__main__':
    sys.exit(main())
