"""/v1/diagnoses/{id}/victims, causes, patterns and scaling_hints.

A vendor (see api/policies.py) sees victims at its own NFs and causes in
which its NF is the culprit or the victim; culprits of other vendors are
shown by NF type only.
"""
import pecan

from microscope_plugin.api import errors
from microscope_plugin.api import validate as v
from microscope_plugin.api.controllers.v1.base import Resource, page
from microscope_plugin.api.controllers.v1.hints import hint_dict
from microscope_plugin.api.hooks import scope_for
from microscope_plugin.db import api as dbapi

VICTIM_KINDS = ('latency', 'loss', 'throughput', 'in_nf_delay')
CAUSE_KINDS = ('source', 'nf', 'in_nf_delay')
TIME = {'start_ns': v.ns, 'end_ns': v.ns}


def _redact(cause, vendor, vendors):
    """A cause as a vendor may see it."""
    if vendor is None or vendors.get(cause.get('nf')) == vendor \
            or cause.get('vendor') == vendor:
        return cause
    return dict(cause, nf=None, vendor=None, flows=[], redacted=True)


def victim_dict(row, doc, vendor=None, vendors=None):
    """Victim ``row`` as the API shows it: its document (see
    db.results.victim_documents) with its vendor and task."""
    d = dict(doc, vendor=row.vendor, task=row.task_seq)
    if vendor is not None:
        d['causes'] = [_redact(c, vendor, vendors) for c in d['causes']]
    return d


def _victim_dicts(session, diag, rows, vendor):
    """The API documents of victim ``rows`` of diagnosis ``diag``."""
    nfs = dbapi.nfs_of(session, dbapi.get_collection(
        session, diag.collection_id).topology_id)
    vendors = {n.name: n.vendor for n in nfs}
    docs = dbapi.victim_documents(session, diag.id, rows,
                                  {n.name: n.type for n in nfs})
    return [victim_dict(r, d, vendor, vendors) for r, d in zip(rows, docs)]


def cause_dict(row, vendor=None):
    d = {'id': row.id, 'victim_id': row.victim_id, 'rank': row.rank,
         'kind': row.kind, 'nf': row.nf, 'vendor': row.vendor,
         'victim_nf': row.victim_nf, 'victim_vendor': row.victim_vendor,
         'score': row.score, 'share': row.share, 'start_ns': row.start_ns,
         'end_ns': row.end_ns, 'culprit_packets': row.culprit_packets,
         'flows': row.flows}
    return _redact(d, vendor, {})


def _diagnosis(session, rule, diagnosis_id, timings=False):
    scope = scope_for(rule)
    did = v.uuid_id('diagnosis_id', diagnosis_id, 'diagnosis')
    return scope, dbapi.diagnosis_brief(session, did, scope, timings)


def _id_marker(q):
    return None if q['marker'] is None else v.integer('marker', q['marker'], 0)


class VictimsController(Resource):
    @pecan.expose('json')
    def get_all(self, diagnosis_id, **kw):
        q = v.query(kw, dict(TIME, nf=v.text, vendor=v.text,
                             kind=v.choice(*VICTIM_KINDS)), pecan.request.conf)
        with pecan.request.db.begin() as s:
            scope, diag = _diagnosis(s, 'microscope:victim:list',
                                     diagnosis_id)
            if scope.vendor is not None and q.get('vendor') not in (
                    None, scope.vendor):
                return page('victims', [], None, q)
            rows = dbapi.list_victims(
                s, diag.id, scope.vendor or q.get('vendor'), q.get('nf'),
                q.get('kind'), q.get('start_ns'), q.get('end_ns'), q['limit'],
                _id_marker(q))
            docs = _victim_dicts(s, diag, rows, scope.vendor)
        return page('victims', docs, dict, q, key=lambda d: d['id'])

    @pecan.expose('json')
    def get_one(self, diagnosis_id, victim_id, **kw):
        v.query(kw, {}, pecan.request.conf)
        vid = v.int_id('victim_id', victim_id, 'victim')
        with pecan.request.db.begin() as s:
            scope, diag = _diagnosis(s, 'microscope:victim:list',
                                     diagnosis_id)
            row = dbapi.get_victim(s, diag.id, vid, scope.vendor)
            return _victim_dicts(s, diag, [row], scope.vendor)[0]


class CausesController(Resource):
    @pecan.expose('json')
    def get_all(self, diagnosis_id, **kw):
        q = v.query(kw, dict(TIME, nf=v.text, vendor=v.text,
                             victim_nf=v.text, kind=v.choice(*CAUSE_KINDS),
                             max_rank=lambda f, x: v.integer(f, x, 1, 1000)),
                    pecan.request.conf)
        with pecan.request.db.begin() as s:
            scope, diag = _diagnosis(s, 'microscope:cause:list',
                                     diagnosis_id)
            rows = dbapi.list_causes(
                s, diag.id, q.get('vendor'), q.get('nf'), q.get('kind'),
                q.get('victim_nf'), q.get('max_rank'), q.get('start_ns'),
                q.get('end_ns'), q['limit'], _id_marker(q), scope.vendor)
        return page('causes', rows, lambda r: cause_dict(r, scope.vendor), q)


class PatternsController(Resource):
    @pecan.expose('json')
    def get_all(self, diagnosis_id, **kw):
        conf = pecan.request.conf
        q = v.query(kw, {'threshold': lambda f, x: v.number(f, x, 0, 1, True)},
                    conf)
        threshold = q.get('threshold', float(conf.engine.pattern_thresholds[0]))
        with pecan.request.db.begin() as s:
            scope, diag = _diagnosis(s, 'microscope:pattern:list',
                                     diagnosis_id, timings=True)
            have = dbapi.pattern_thresholds(s, diag.id)
            if have and threshold not in have:
                raise errors.bad_request(
                    'threshold', 'no patterns at %g for this diagnosis '
                    '(available: %s)' % (threshold,
                                         ', '.join('%g' % t for t in have)))
            rows = dbapi.list_patterns(s, diag.id, threshold, scope.vendor,
                                       q['limit'], _id_marker(q))
        out = page('patterns', rows, lambda r: dict(
            r.pattern, id=r.id, rank=r.rank, score=r.score,
            threshold=r.threshold), q)
        out['threshold'] = threshold
        out['available_thresholds'] = have
        out['status'] = (diag.timings or {}).get('patterns') \
            if diag.state == dbapi.SUCCEEDED else 'diagnosis ' + diag.state
        return out


class ScalingHintsController(Resource):
    @pecan.expose('json')
    def get_all(self, diagnosis_id, **kw):
        q = v.query(kw, {'nf': v.text, 'vendor': v.text}, pecan.request.conf)
        with pecan.request.db.begin() as s:
            scope, diag = _diagnosis(s, 'microscope:scaling_hint:list',
                                     diagnosis_id)
            rows = dbapi.list_scaling_hints(s, diag.id, q.get('nf'),
                                            q.get('vendor'), q['limit'],
                                            _id_marker(q))
        return page('scaling_hints', rows, hint_dict, q)
