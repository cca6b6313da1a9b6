"""/v1/diagnoses: start a diagnosis (202 + job), its state and summary."""
import dataclasses
import logging

import pecan

from microscope_plugin.api import errors
from microscope_plugin.api import validate as v
from microscope_plugin.api.controllers.v1 import reports, results
from microscope_plugin.api.controllers.v1.base import Resource, iso, no_body, page
from microscope_plugin.api.hooks import scope_for
from microscope_plugin.db import api as dbapi
from microscope_plugin.db import errors as db_errors
from microscope_plugin.diagnosis import base as diag_base
from microscope_plugin.diagnosis.params import DiagnosisParams, VictimCriteria
from microscope_plugin.engine import jobs

LOG = logging.getLogger(__name__)

BODY = ('collection_id', 'diagnoser', 'start_ns', 'end_ns', 'victims', 'params')
RESERVED = ('start_ns', 'end_ns', 'victims')
MAX_TASKS = 10000
# Lower bounds checked here so the error names one field.
MINIMUM = {'history_ns': 1, 'max_depth': 1, 'top_flows': 1,
           'queue_threshold': 0, 'throughput_window_ns': 1,
           'latency_threshold_ns': 0, 'in_nf_delay_sigma': 0,
           'max_victims': 1, 'min_score': 0}


def diagnosis_dict(row, tasks=None, vendor=None):
    d = {'id': row.id, 'project_id': row.project_id,
         'collection_id': row.collection_id, 'diagnoser': row.diagnoser,
         'state': row.state, 'reason': row.reason, 'start_ns': row.start_ns,
         'end_ns': row.end_ns, 'params': row.params, 'tasks': row.n_tasks,
         'victims': row.n_victims, 'relations': row.n_relations,
         'summary': None if vendor else row.summary,
         'created_at': iso(row.created_at), 'started_at': iso(row.started_at),
         'finished_at': iso(row.finished_at) if row.state in (
             dbapi.SUCCEEDED, dbapi.FAILED) else None}
    if tasks is not None and not vendor:
        d['task_states'] = [
            {'seq': t.seq, 'state': t.state, 'start_ns': t.start_ns,
             'end_ns': t.end_ns, 'attempts': t.attempts, 'worker': t.worker,
             'reason': t.reason, 'timings': {
                 k: x for k, x in (t.timings or {}).items()
                 if k != 'nf_load'}} for t in tasks]
        d['timings'] = row.timings
    return d


def _check_fields(cls, d, where):
    """Type-check a dict against a params dataclass, naming the field."""
    if not isinstance(d, dict):
        raise errors.bad_request(where.rstrip('.'), 'expected an object')
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for name, value in d.items():
        f = fields.get(name)
        field = where + name
        if f is None or (cls is DiagnosisParams and name in RESERVED):
            known = sorted(set(fields) - (set(RESERVED) if cls is
                                          DiagnosisParams else set()))
            raise errors.bad_request(field, 'unknown field (known: %s)'
                                     % ', '.join(known))
        if value is None:
            if f.default is not None:
                raise errors.bad_request(field, 'must not be null')
            continue
        if name == 'peak_rates':
            if not isinstance(value, dict):
                raise errors.bad_request(field, 'expected {"NF": pps}')
            for nf, rate in value.items():
                v.text(field, nf)
                if isinstance(rate, str):
                    raise errors.bad_request('%s.%s' % (field, nf),
                                             'expected a number')
                v.number('%s.%s' % (field, nf), rate, 0, 1e12, True)
        elif f.type is bool:
            if not isinstance(value, bool):
                raise errors.bad_request(field, 'expected true or false')
        elif f.type is int:
            v.integer(field, value, MINIMUM.get(name, -v.INT64_MAX))
        elif f.type is float:
            if isinstance(value, (str, bool)):
                raise errors.bad_request(field, 'expected a number')
            v.number(field, value, MINIMUM.get(name))
        elif f.type is str:
            v.text(field, value, 64)
        else:
            raise errors.bad_request(field, 'unexpected value')


def parse_request(body, collection):
    """(diagnoser, params dict, start_ns, end_ns) from a POST body."""
    v.fields(body, BODY, ('collection_id',))
    diagnoser = body.get('diagnoser', 'microscope')
    v.text('diagnoser', diagnoser, 64)
    available = diag_base.available()
    if diagnoser not in available:
        raise errors.bad_request('diagnoser', 'unknown diagnoser %r '
                                 '(available: %s)' % (diagnoser,
                                                      ', '.join(available)))
    if collection.start_ns is None:
        raise errors.bad_request('collection_id', 'the collection holds no '
                                 'records yet; ingest record files first')
    start = body.get('start_ns')
    end = body.get('end_ns')
    start = collection.start_ns if start is None else v.ns('start_ns', start)
    end = collection.end_ns + 1 if end is None else v.ns('end_ns', end)
    if end <= start:
        raise errors.bad_request('end_ns', 'must be after start_ns')
    if start > collection.end_ns or end <= collection.start_ns:
        raise errors.bad_request('start_ns', 'the range %d..%d does not '
                                 'overlap the collection (%d..%d)'
                                 % (start, end, collection.start_ns,
                                    collection.end_ns))
    # what lies outside the collection holds no records: clip to it
    start = max(start, collection.start_ns)
    end = min(end, collection.end_ns + 1)
    victims = body.get('victims')
    victims = {} if victims is None else victims
    _check_fields(VictimCriteria, victims, 'victims.')
    params = body.get('params')
    params = {} if params is None else params
    _check_fields(DiagnosisParams, params, 'params.')
    d = dict(params, victims=victims, start_ns=start, end_ns=end)
    try:
        checked = DiagnosisParams.from_dict(d)
    except (ValueError, TypeError) as e:
        msg = str(e)
        word = msg.split()[0].rstrip(':') if msg else ''
        vf = {f.name for f in dataclasses.fields(VictimCriteria)}
        pf = {f.name for f in dataclasses.fields(DiagnosisParams)}
        field = ('victims.' + word if word in vf else
                 'params.' + word if word in pf else
                 'params.peak_rates' if 'peak rate' in msg else 'params')
        raise errors.bad_request(field, msg)
    stored = checked.to_dict()
    for key in ('start_ns', 'end_ns'):
        stored.pop(key)
    return diagnoser, stored, start, end


def create(req, scope, body):
    """Check a diagnosis request, store the job, announce its tasks; the
    diagnosis as the API shows it.  Shared by POST /v1/diagnoses and the
    alarm receiver (POST /v1/alarms)."""
    v.fields(body, BODY, ('collection_id',))
    cid = body['collection_id']
    if not isinstance(cid, str):
        raise errors.bad_request('collection_id', 'expected a string')
    project = req.context.project_id or 'default'
    slice_ns = req.conf.engine.slice_ms * 1_000_000
    with req.db.begin() as s:
        try:
            cid = v.uuid_id('collection_id', cid, 'collection')
            coll = dbapi.get_collection(s, cid, scope)
        except (errors.ApiError, db_errors.NotFound):
            raise errors.bad_request('collection_id', 'collection %s not '
                                     'found' % cid[:80])
        diagnoser, params, start, end = parse_request(body, coll)
        slices = jobs.split(start, end, slice_ns, MAX_TASKS)
        if len(slices) > MAX_TASKS:
            raise errors.bad_request(
                'end_ns', 'the range would make %d tasks of [engine] '
                'slice_ms; at most %d' % (len(slices), MAX_TASKS))
        row = dbapi.create_diagnosis(s, project, cid, diagnoser, params,
                                     start, end, slices)
        tasks = dbapi.tasks_of(s, row.id)
        out = diagnosis_dict(row, tasks)
    try:
        req.engine.announce([(row.id, t.id) for t in tasks])
    except Exception:
        # the job is stored: a worker's reaper announces pending tasks
        # again after [engine] pending_timeout
        LOG.exception('announcing diagnosis %s to the engine failed; '
                      'its tasks stay pending until announced again',
                      row.id)
    return out


class DiagnosesController(Resource):
    victims = results.VictimsController()
    causes = results.CausesController()
    patterns = results.PatternsController()
    scaling_hints = results.ScalingHintsController()
    dag = reports.DagController()

    @pecan.expose('json')
    def get_all(self, **kw):
        scope = scope_for('microscope:diagnosis:list')
        q = v.query(kw, {
            'state': v.choice(*dbapi.STATES),
            'collection_id': lambda f, x: v.uuid_id(f, x, 'collection'),
            'start_ns': v.ns, 'end_ns': v.ns}, pecan.request.conf)
        with pecan.request.db.begin() as s:
            rows = dbapi.list_diagnoses(
                s, scope, q['limit'], q['marker'], q.get('state'),
                q.get('collection_id'), q.get('start_ns'), q.get('end_ns'))
        return page('diagnoses', rows,
                    lambda r: diagnosis_dict(r, vendor=scope.vendor), q)

    @pecan.expose('json')
    def get_one(self, diagnosis_id, **kw):
        scope = scope_for('microscope:diagnosis:get')
        v.query(kw, {}, pecan.request.conf)
        did = v.uuid_id('diagnosis_id', diagnosis_id, 'diagnosis')
        with pecan.request.db.begin() as s:
            row = dbapi.get_diagnosis(s, did, scope)
            return diagnosis_dict(row, dbapi.tasks_of(s, did), scope.vendor)

    @pecan.expose('json')
    def post(self, **kw):
        scope = scope_for('microscope:diagnosis:create')
        req = pecan.request
        v.query(kw, {}, req.conf)
        body = v.json_object(req)
        out = create(req, scope, body)
        self.status(202)
        pecan.response.location = '%s/%s' % (req.path_url, out['id'])
        return out

    @pecan.expose()
    def delete(self, diagnosis_id=None, **kw):
        self.require_id(diagnosis_id)
        scope = scope_for('microscope:diagnosis:delete')
        v.query(kw, {}, pecan.request.conf)
        no_body()
        did = v.uuid_id('diagnosis_id', diagnosis_id, 'diagnosis')
        with pecan.request.db.begin() as s:
            dbapi.delete_diagnosis(s, did, scope)
        self.status(204)
        return ''
