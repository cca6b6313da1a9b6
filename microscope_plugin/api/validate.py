"""Checking what clients send: query parameters, path ids, JSON bodies.

Everything is checked before it reaches the database, so that a value a
backend would reject (a string too long for its column, a NUL byte, an
integer beyond 64 bits) is a 400 naming the field, never a 500.
"""
import math
import uuid

from microscope_plugin.api.errors import ApiError, bad_request

INT64_MAX = (1 << 63) - 1


def text(field, value, max_len=255, allow_empty=False):
    if not isinstance(value, str):
        raise bad_request(field, 'expected a string')
    if '\x00' in value:
        raise bad_request(field, 'contains a NUL character')
    if len(value) > max_len:
        raise bad_request(field, 'longer than %d characters' % max_len)
    if not allow_empty and not value.strip():
        raise bad_request(field, 'must not be empty')
    try:
        value.encode('utf-8')
    except UnicodeEncodeError:
        raise bad_request(field, 'is not valid UTF-8 text')
    return value


def integer(field, value, lo=-INT64_MAX, hi=INT64_MAX):
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str):
            s = value.strip()
            if s.lstrip('-').isdigit() and s.isascii() and len(s) < 25:
                value = int(s)
            else:
                raise bad_request(field, 'expected an integer, got %r'
                                  % value[:40])
        else:
            raise bad_request(field, 'expected an integer')
    if not lo <= value <= hi:
        raise bad_request(field, 'must be between %d and %d' % (lo, hi))
    return value


def number(field, value, lo=None, hi=None, lo_open=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise bad_request(field, 'expected a number, got %r'
                                  % value[:40])
        else:
            raise bad_request(field, 'expected a number')
    value = float(value)
    if not math.isfinite(value):
        raise bad_request(field, 'must be a finite number')
    if lo is not None and (value < lo or (lo_open and value == lo)):
        raise bad_request(field, 'must be %s %s' % ('>' if lo_open else '>=', lo))
    if hi is not None and value > hi:
        raise bad_request(field, 'must be <= %s' % hi)
    return value


def boolean(field, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ('true', 'false', '1', '0'):
        return value.lower() in ('true', '1')
    raise bad_request(field, 'expected true or false')


def uuid_id(field, value, resource):
    """A resource id from a path or body; a malformed one cannot exist."""
    if not isinstance(value, str):
        raise bad_request(field, 'expected a string')
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ApiError(404, '%s %s not found' % (resource, value[:80]), field)


def int_id(field, value, resource):
    try:
        return integer(field, value, 1)
    except ApiError:
        raise ApiError(404, '%s %s not found' % (resource, str(value)[:80]),
                       field)


def query(kw, spec, conf):
    """Parse the query string by ``spec`` (name -> parser(field, value));
    ``limit`` and ``marker`` are always accepted.  ``kw`` (what pecan
    passes, which may include body fields) is not used: only the URL's
    query string is."""
    import pecan
    out = {}
    params = pecan.request.GET
    for name in set(params.keys()):
        values = params.getall(name)
        if len(values) > 1:
            raise bad_request(name, 'given more than once')
        value = values[0]
        text(name, name, 64, allow_empty=True)
        text(name, value, 1024, allow_empty=True)
        if name == 'limit':
            out['limit'] = integer('limit', value, 1, conf.api.max_limit)
        elif name == 'marker':
            out['marker'] = text('marker', value, 64)
        elif name in spec:
            out[name] = spec[name](name, value)
        else:
            raise bad_request(name, 'unknown query parameter (known: %s)'
                              % ', '.join(sorted(set(spec) | {'limit',
                                                              'marker'})))
    out.setdefault('limit', conf.api.default_limit)
    out.setdefault('marker', None)
    if out.get('start_ns') is not None and out.get('end_ns') is not None \
            and out['end_ns'] <= out['start_ns']:
        raise bad_request('end_ns', 'must be after start_ns')
    return out


def ns(field, value):
    return integer(field, value, 0)


def json_object(request):
    """The request body as a JSON object."""
    ctype = (request.content_type or '').split(';')[0].strip().lower()
    if ctype not in ('application/json', ''):
        raise ApiError(415, 'body: expected application/json, got %s' % ctype,
                       'body')
    try:
        body = request.json_body if request.body else None
    except (ValueError, UnicodeDecodeError) as e:
        raise bad_request('body', 'not valid JSON (%s)' % str(e)[:120])
    if not isinstance(body, dict):
        raise bad_request('body', 'expected a JSON object')
    return body


def fields(body, allowed, required=(), where=''):
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise bad_request(where + unknown[0], 'unknown field (known: %s)'
                          % ', '.join(sorted(allowed)))
    for name in required:
        if name not in body:
            raise bad_request(where + name, 'missing')


def choice(*values):
    """A parser accepting one of ``values``."""
    def parse(field, value):
        text(field, value, 64)
        if value not in values:
            raise bad_request(field, 'must be one of %s' % ', '.join(values))
        return value
    return parse
