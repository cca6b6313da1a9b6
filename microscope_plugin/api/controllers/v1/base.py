"""Shared pieces of the /v1 controllers: paging and serialising rows."""
import datetime
import urllib.parse

import pecan
from pecan import rest

from microscope_plugin.api import errors


def iso(t):
    if t is None:
        return None
    if isinstance(t, datetime.datetime):
        return t.replace(microsecond=t.microsecond).isoformat() + 'Z'
    return str(t)


def page(name, rows, to_dict, params, key=lambda r: r.id):
    """``{name: [...], 'next': url or None}``; ``next`` is given when the
    page is full (the next page may be empty)."""
    items = [to_dict(r) for r in rows]
    nxt = None
    if rows and len(rows) >= params['limit']:
        q = {k: v for k, v in pecan.request.GET.items() if k != 'marker'}
        q['marker'] = key(rows[-1])
        nxt = '%s?%s' % (pecan.request.path_url, urllib.parse.urlencode(q))
    return {name: items, 'next': nxt}


class Resource(rest.RestController):
    """RestController whose unknown verbs are 405 JSON errors."""

    def _handle_unknown_method(self, method, remainder, request=None):
        raise errors.ApiError(405, 'method %s not allowed here' % method)

    @staticmethod
    def require_id(ident):
        """DELETE on the collection itself (no id) is not allowed."""
        if ident is None:
            raise errors.ApiError(405, 'method DELETE not allowed here')

    @staticmethod
    def status(code):
        pecan.response.status = code


def no_body():
    req = pecan.request
    if req.body:
        raise errors.bad_request('body', 'this request takes no body')
