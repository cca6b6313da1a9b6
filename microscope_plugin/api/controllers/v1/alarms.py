"""/v1/alarms: an orchestrator's alarm starts a diagnosis of its window.

Accepts what Aodh's webhook action posts (``alarm_name``, ``alarm_id``,
``current``, ``severity``, ``reason``, ``reason_data``) and what
Alertmanager (or Tacker's Prometheus plugin set-up) posts (``{"alerts":
[{status, labels, annotations, startsAt, endsAt}]}``).  A firing alarm
answers 202 with the diagnosis job of [alarm time - lookback, alarm end];
a resolved one (Aodh ``current`` not ``alarm``, every alert ``resolved``)
answers 200 and starts nothing.

Which records: ``?collection_id=`` (for a webhook URL configured per
collection), else an alert label / ``reason_data`` key
``microscope_collection_id``, else the caller's most recent collection
holding records of the window.
"""
import datetime
import time

import pecan

from microscope_plugin.api import errors
from microscope_plugin.api import validate as v
from microscope_plugin.api.controllers.v1 import diagnoses
from microscope_plugin.api.controllers.v1.base import Resource
from microscope_plugin.api.hooks import scope_for
from microscope_plugin.db import api as dbapi

AODH = ('alarm_name', 'alarm_id', 'severity', 'previous', 'current',
        'reason', 'reason_data')
ALERTMANAGER = ('version', 'groupKey', 'truncatedAlerts', 'status',
                'receiver', 'groupLabels', 'commonLabels',
                'commonAnnotations', 'externalURL', 'alerts')
ALERT = ('status', 'labels', 'annotations', 'startsAt', 'endsAt',
         'generatorURL', 'fingerprint')
COLLECTION_KEY = 'microscope_collection_id'
UNSET = '0001-01-01T00:00:00Z'
MAX_LOOKBACK_MS = 3_600_000


def parse_time(field, value):
    """RFC 3339 (``...Z`` or an offset) -> ns since the epoch."""
    v.text(field, value, 64)
    text = value.strip()
    if text.endswith('Z') or text.endswith('z'):
        text = text[:-1] + '+00:00'
    frac = ''
    if '.' in text:   # keep nanoseconds that fromisoformat would not
        head, rest = text.split('.', 1)
        i = 0
        while i < len(rest) and rest[i].isdigit():
            i += 1
        frac, text = rest[:i], head + rest[i:]
    try:
        t = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise errors.bad_request(field, 'expected an RFC 3339 time, got %r'
                                 % value[:64])
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone.utc)
    if t.year < 1970:
        raise errors.bad_request(field, 'before 1970')
    secs = int((t - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc))
               .total_seconds())
    return secs * 1_000_000_000 + int((frac + '000000000')[:9] or 0)


def _obj(field, value):
    if not isinstance(value, dict):
        raise errors.bad_request(field, 'expected an object')
    return value


def from_alertmanager(body):
    """(firing?, start_ns, end_ns, collection hint, name)."""
    v.fields(body, ALERTMANAGER, ('alerts',))
    alerts = body['alerts']
    if not isinstance(alerts, list) or not alerts:
        raise errors.bad_request('alerts', 'expected a non-empty list')
    if len(alerts) > 1000:
        raise errors.bad_request('alerts', 'at most 1000 alerts')
    starts, ends, hint, names, firing = [], [], None, [], False
    for i, a in enumerate(alerts):
        f = 'alerts[%d]' % i
        _obj(f, a)
        v.fields(a, ALERT, ('startsAt',), where=f + '.')
        status = a.get('status', 'firing')
        v.choice('firing', 'resolved')(f + '.status', status)
        firing = firing or status == 'firing'
        labels = _obj(f + '.labels', a.get('labels', {}))
        _obj(f + '.annotations', a.get('annotations', {}))
        for k, x in labels.items():
            v.text('%s.labels.%s' % (f, k[:40]), x, 1024, allow_empty=True)
        starts.append(parse_time(f + '.startsAt', a['startsAt']))
        end = a.get('endsAt')
        if end not in (None, UNSET):
            ends.append(parse_time(f + '.endsAt', end))
        hint = hint or labels.get(COLLECTION_KEY)
        names.append(labels.get('alertname') or labels.get('function_type')
                     or 'alert')
    return firing, min(starts), max(ends + starts), hint, ','.join(
        sorted(set(names)))[:200]


def from_aodh(body):
    v.fields(body, AODH, ('alarm_id', 'current'))
    v.text('alarm_id', body['alarm_id'], 255)
    v.text('current', body['current'], 64)
    for k in ('alarm_name', 'severity', 'previous', 'reason'):
        if body.get(k) is not None:
            v.text(k, body[k], 4096, allow_empty=True)
    data = _obj('reason_data', body.get('reason_data') or {})
    now = time.time_ns()
    at = now
    if data.get('timestamp') is not None:
        at = parse_time('reason_data.timestamp', data['timestamp'])
    hint = data.get(COLLECTION_KEY)
    if hint is not None:
        v.text('reason_data.' + COLLECTION_KEY, hint, 64)
    return body['current'] == 'alarm', at, at, hint, \
        body.get('alarm_name') or body['alarm_id']


class AlarmsController(Resource):
    @pecan.expose('json')
    def post(self, **kw):
        scope = scope_for('microscope:alarm:create')
        req = pecan.request
        q = v.query(kw, {
            'collection_id': lambda f, x: v.uuid_id(f, x, 'collection'),
            'lookback_ms': lambda f, x: v.integer(f, x, 1, MAX_LOOKBACK_MS),
            'diagnoser': v.text}, req.conf)
        body = v.json_object(req)
        if 'alerts' in body:
            source = 'alertmanager'
            firing, start, end, hint, name = from_alertmanager(body)
        elif 'alarm_id' in body or 'current' in body:
            source = 'aodh'
            firing, start, end, hint, name = from_aodh(body)
        else:
            raise errors.bad_request('body', 'expected an Aodh alarm '
                                     '(alarm_id, current, ...) or alerts '
                                     '({"alerts": [...]})')
        lookback = q.get('lookback_ms', 1000) * 1_000_000
        window = {'start_ns': max(0, start - lookback),
                  'end_ns': max(end, start) + 1}
        alarm = dict(source=source, name=name, firing=firing, **window)
        if not firing:
            self.status(200)
            return {'alarm': alarm, 'diagnosis': None,
                    'ignored': 'the alarm is not firing'}
        cid = q.get('collection_id') or hint
        if cid is None:
            with req.db.begin() as s:
                row = dbapi.latest_collection(s, scope, window['start_ns'],
                                              window['end_ns'])
                if row is None:
                    raise errors.bad_request(
                        'collection_id', 'no collection holds records of '
                        'the alarm\'s window %d..%d ns; give '
                        '?collection_id=' % (window['start_ns'],
                                             window['end_ns']))
                cid = row.id
        dbody = dict(window, collection_id=cid)
        if q.get('diagnoser'):
            dbody['diagnoser'] = q['diagnoser']
        out = diagnoses.create(req, scope, dbody)
        self.status(202)
        pecan.response.location = '%s/v1/diagnoses/%s' % (
            req.application_url, out['id'])
        return {'alarm': alarm, 'diagnosis': out}
