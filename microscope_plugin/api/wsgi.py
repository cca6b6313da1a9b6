"""WSGI entry point for uwsgi, gunicorn or mod_wsgi::

    gunicorn 'microscope_plugin.api.wsgi:init_application()'
    uwsgi --module 'microscope_plugin.api.wsgi:application'

Configuration files come from ``MICROSCOPE_CONFIG_FILES`` (comma
separated) or the usual oslo.config locations.
"""
import os

from oslo_log import log

from microscope_plugin import conf


def init_application():
    env = os.environ.get('MICROSCOPE_CONFIG_FILES', '')
    files = [f for f in env.split(',') if f]
    args = []
    for f in files:
        args += ['--config-file', f]
    conf.CONF(args, project='microscope', prog='microscope-api')
    log.setup(conf.CONF, 'microscope-api')
    from microscope_plugin.api import app
    from microscope_plugin.engine import messaging
    if messaging.is_embedded(conf.CONF) and conf.CONF.api.embedded_engine:
        from microscope_plugin.cmd.api import start_embedded_engine
        start_embedded_engine(conf.CONF)
    return app.setup_app(conf.CONF)


def __getattr__(name):
    # ``application`` is built on first access, not at import time.
    if name == 'application':
        globals()['application'] = init_application()
        return globals()['application']
    raise AttributeError(name)
