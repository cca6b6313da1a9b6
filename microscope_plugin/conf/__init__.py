"""oslo.config option groups for Microscope.

Each module in this package owns one option group and exposes
``register_opts(conf)`` and ``list_opts()``.  :func:`register_all` wires
them into a ``ConfigOpts`` object; :mod:`microscope_plugin.conf.opts`
exposes them to ``oslo-config-generator``.
"""
from oslo_config import cfg
from oslo_log import log

from microscope_plugin.conf import aggregation
from microscope_plugin.conf import api
from microscope_plugin.conf import database
from microscope_plugin.conf import emulator
from microscope_plugin.conf import engine
from microscope_plugin.conf import integrations
from microscope_plugin.conf import paths

MODULES = (paths, emulator, aggregation, api, database, engine,
           integrations)

CONF = cfg.CONF


def register_all(conf=CONF):
    for module in MODULES:
        module.register_opts(conf)
    log.register_options(conf)
    return conf


register_all(CONF)
