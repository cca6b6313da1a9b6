"""oslo.messaging plumbing: the transport and the engine's RPC target.

``[DEFAULT] transport_url`` selects the driver: ``rabbit://...`` in
production; unset, the in-process ``fake`` driver (the embedded default:
the API runs an engine worker in its own process).  One transport per
configuration and URL per process, so the API's client and an in-process worker share it.
"""
import importlib
import threading
import warnings

# oslo.messaging pulls in oslo.service's eventlet backend, which warns on
# import; Microscope never runs on eventlet, and the warning would bury the
# first lines of every command that imports this module.
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

import oslo_messaging  # noqa: E402
from oslo_messaging import opts as om_opts  # noqa: E402

NAMESPACE = 'microscope.engine'
VERSION = '1.0'
EMBEDDED_URL = 'fake:/'

_LOCK = threading.Lock()
_TRANSPORTS = {}


def register_opts(conf):
    """Register ``transport_url`` with the embedded default (oslo.messaging
    itself defaults to a local RabbitMQ)."""
    if 'transport_url' not in conf:
        for group, opts in om_opts.list_opts():
            if group is None:
                conf.register_opts([o for o in opts
                                    if o.name == 'transport_url'])
        conf.set_default('transport_url', EMBEDDED_URL)
    # oslo.messaging registers its tracing and metrics options on the
    # global CONF only, but reads them from the transport's configuration.
    for group, module, attr in (
            ('oslo_messaging_tracing', 'oslo_messaging._tracing.client',
             'oslo_messaging_tracing'),
            ('oslo_messaging_metrics', 'oslo_messaging._metrics.client',
             'oslo_messaging_metrics')):
        if group in conf:
            continue
        try:
            opts = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):
            continue
        conf.register_opts(opts, group=group)


def transport_url(conf):
    register_opts(conf)
    return conf.transport_url or EMBEDDED_URL


def is_embedded(conf):
    return transport_url(conf).startswith('fake:')


def get_transport(conf):
    url = transport_url(conf)
    key = (id(conf), url)
    with _LOCK:
        tr = _TRANSPORTS.get(key)
        if tr is None:
            oslo_messaging.set_transport_defaults('microscope')
            tr = oslo_messaging.get_rpc_transport(conf, url=url)
            _TRANSPORTS[key] = tr
        return tr


def cleanup():
    with _LOCK:
        for tr in _TRANSPORTS.values():
            tr.cleanup()
        _TRANSPORTS.clear()


def target(conf, server=None):
    return oslo_messaging.Target(topic=conf.engine.topic, server=server,
                                 namespace=NAMESPACE, version=VERSION)


class EngineClient:
    """What the API (and workers re-announcing work) send to the engine."""

    def __init__(self, conf, transport=None):
        self.client = oslo_messaging.get_rpc_client(
            transport or get_transport(conf), target(conf))

    def run_task(self, diagnosis_id, task_id):
        self.client.cast({}, 'run_task', diagnosis_id=diagnosis_id,
                         task_id=task_id)

    def announce(self, pairs):
        for diagnosis_id, task_id in pairs:
            self.run_task(diagnosis_id, task_id)
