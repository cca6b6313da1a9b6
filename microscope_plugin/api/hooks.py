"""Pecan hooks: request context and policy scope, database, engine client,
and the JSON error bodies of the exceptions controllers raise."""
import logging

import pecan
from oslo_context import context as oslo_context
from oslo_db import exception as db_exc
from pecan import hooks
import webob

from microscope_plugin.api import errors
from microscope_plugin.api import policies
from microscope_plugin.db import errors as db_errors
from microscope_plugin.db.query import Scope
from microscope_plugin.ingest import DEFAULT_PROJECT
from microscope_plugin.trace.format import RecordFormatError

LOG = logging.getLogger(__name__)


class ContextHook(hooks.PecanHook):
    """The caller's identity: from keystonemiddleware's headers, or in
    ``noauth`` from the same headers when given (else an admin of the
    ``default`` project)."""

    def __init__(self, conf):
        self.conf = conf

    def before(self, state):
        env = state.request.environ
        if self.conf.api.auth_strategy == 'noauth' and \
                'HTTP_X_ROLES' not in env and 'HTTP_X_ROLE' not in env:
            ctx = oslo_context.RequestContext(
                user_id='noauth', project_id=DEFAULT_PROJECT,
                roles=['admin', 'member', 'reader'], is_admin=True)
        else:
            ctx = oslo_context.RequestContext.from_environ(env)
        state.request.context = ctx


class ServicesHook(hooks.PecanHook):
    """Database, engine client, configuration and policy enforcer."""

    def __init__(self, conf, db, engine_client, enforcer):
        self.conf, self.db = conf, db
        self.engine_client, self.enforcer = engine_client, enforcer

    def before(self, state):
        state.request.conf = self.conf
        state.request.db = self.db
        state.request.engine = self.engine_client
        state.request.enforcer = self.enforcer


def _json(status, message, field=None):
    resp = webob.Response(status=status, content_type='application/json',
                          charset='UTF-8')
    resp.json_body = errors.error_body(status, message, field)
    return resp


class ErrorHook(hooks.PecanHook):
    """Client mistakes are 4xx with a JSON message naming the field."""

    def on_error(self, state, e):
        if isinstance(e, errors.ApiError):
            return _json(e.status, e.message, e.field)
        if isinstance(e, db_errors.NotFound):
            return _json(404, e.message, e.field)
        if isinstance(e, db_errors.Conflict):
            return _json(409, e.message, e.field)
        if isinstance(e, db_errors.Invalid):
            return _json(400, e.message, e.field)
        if isinstance(e, RecordFormatError):
            return _json(400, 'file: %s' % e, 'file')
        if isinstance(e, db_exc.DBDataError):
            return _json(400, 'a value is out of range for the database: %s'
                         % str(e.inner_exception)[:200])
        if isinstance(e, webob.exc.HTTPException):
            return _json(e.code, e.detail or e.explanation or e.title)
        LOG.exception('unexpected error on %s %s', state.request.method,
                      state.request.path)
        return _json(500, 'internal error: %s' % type(e).__name__)


def scope_for(rule):
    """Check ``rule`` for the caller and return the :class:`Scope` of what
    it may see: everything (admin), its project (reader/member), or one
    vendor's NFs (vendor role, project mapped in [api] vendor_projects)."""
    req = pecan.request
    ctx, enf = req.context, req.enforcer
    if not policies.authorize(enf, rule, ctx):
        raise errors.ApiError(403, 'policy does not allow %s' % rule)
    if policies.authorize(enf, 'context_is_admin', ctx):
        return Scope()
    if policies.authorize(enf, 'project_reader', ctx) or \
            policies.authorize(enf, 'project_member', ctx):
        return Scope(project_id=ctx.project_id)
    vendor = req.conf.api.vendor_projects.get(ctx.project_id or '')
    if vendor and policies.authorize(enf, 'vendor', ctx):
        return Scope(vendor=vendor)
    raise errors.ApiError(403, 'policy does not allow %s: project %s is not '
                          'mapped to an NF vendor' % (rule, ctx.project_id))
