"""The WSGI application: pecan controllers under /v1 behind request ids,
JSON errors and (``auth_strategy = keystone``) keystonemiddleware."""
import json
import logging
import re

import pecan
import webob
from oslo_middleware import request_id

from microscope_plugin.api import errors
from microscope_plugin.api import hooks
from microscope_plugin.api import policies
from microscope_plugin.db import session as db_session

LOG = logging.getLogger(__name__)


def _method_table():
    """(path regex, allowed methods) of every path of the OpenAPI document:
    a method the document does not give a path is a 405 with ``Allow``."""
    from microscope_plugin.api import openapi
    table = []
    paths = dict(openapi.spec()['paths'])
    paths['/openapi.json'] = paths['/v1/openapi.json']
    for path, ops in paths.items():
        parts = re.split(r'\{\w+\}', path)
        rx = re.compile('^' + '[^/]+'.join(re.escape(p) for p in parts)
                        + '/?$')
        methods = {m.upper() for m in ops}
        if 'GET' in methods:
            methods.add('HEAD')
        table.append((rx, ', '.join(sorted(methods))))
    return table


class JsonErrors:
    """Turns every error answer that is not JSON yet (pecan's routing 404
    and 405, an exception nothing caught) into the API's JSON error, and
    answers methods a documented path does not have with 405."""

    def __init__(self, app):
        self.app = app
        self.methods = _method_table()

    @staticmethod
    def _error(environ, start_response, status, message, field=None,
               headers=()):
        resp = webob.Response(status=status, content_type='application/json',
                              charset='UTF-8')
        resp.json_body = errors.error_body(status, message, field)
        for name, value in headers:
            resp.headers[name] = value
        return resp(environ, start_response)

    def __call__(self, environ, start_response):
        req = webob.Request(environ)
        for rx, allowed in self.methods:
            if rx.match(req.path_info):
                if req.method not in allowed.split(', '):
                    return self._error(
                        environ, start_response, 405, 'method %s not allowed '
                        'here (allowed: %s)' % (req.method, allowed),
                        headers=[('Allow', allowed)])
                break
        ctype = (req.content_type or '').lower()
        if ctype.startswith('multipart/') or \
                ctype == 'application/x-www-form-urlencoded':
            # pecan would parse these as form fields before any check
            return self._error(
                environ, start_response, 415, 'body: %s is not accepted; send '
                'application/json (or a record file as '
                'application/octet-stream)' % ctype, 'body')
        try:
            resp = req.get_response(self.app)
        except Exception:
            LOG.exception('unhandled error on %s %s', req.method, req.path)
            resp = webob.Response(status=500)
        if resp.status_int >= 400 and not (resp.content_type or '').endswith(
                'json'):
            text = re.sub(r'<[^>]+>', ' ', resp.text or '')
            text = ' '.join(text.split()) or resp.status
            body = errors.error_body(resp.status_int, text[:300])
            resp.body = json.dumps(body).encode()
            resp.content_type = 'application/json'
            resp.charset = 'UTF-8'
        return resp(environ, start_response)


def _cache_argspecs():
    """pecan inspects a controller method's signature on every request,
    building a new namedtuple class each time (milliseconds per request);
    signatures do not change, so remember them per function."""
    import functools
    from pecan import compat, rest, util
    if getattr(compat.getargspec, 'cached', False):
        return
    uncached = compat.getargspec

    @functools.lru_cache(maxsize=1024)
    def by_function(func):
        return uncached(func)

    def getargspec(func):
        return by_function(getattr(func, '__func__', func))
    getargspec.cached = True
    compat.getargspec = util._getargspec = getargspec
    if getattr(rest, 'getargspec', None) is uncached:
        rest.getargspec = getargspec


def setup_app(conf=None, db=None, engine_client=None, enforcer=None):
    """Build the WSGI app.  ``db``/``engine_client`` default to the
    configured database and messaging transport."""
    from microscope_plugin import conf as mconf
    from microscope_plugin.api.controllers import root
    from microscope_plugin.engine import messaging
    from microscope_plugin.integrations import plugins
    conf = conf or mconf.CONF
    plugins.check_conf(conf)   # a mistyped plugin name fails start-up
    db = db or db_session.Database.from_conf(conf)
    if engine_client is None:
        engine_client = messaging.EngineClient(conf)
    enforcer = enforcer or policies.get_enforcer(conf)
    _cache_argspecs()
    app = pecan.make_app(
        root.RootController(),
        hooks=[hooks.ContextHook(conf),
               hooks.ServicesHook(conf, db, engine_client, enforcer),
               hooks.ErrorHook()],
        force_canonical=False, guess_content_type_from_ext=False,
        debug=False, logging=False)
    if conf.api.auth_strategy == 'keystone':
        from keystonemiddleware import auth_token
        app = auth_token.AuthProtocol(app, {'oslo_config_config': conf})
    app = JsonErrors(app)
    return request_id.RequestId(app)
