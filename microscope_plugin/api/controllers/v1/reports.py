"""/v1/reports (POST: a blame-resolution report of a diagnosis) and
/v1/diagnoses/{id}/dag (the NF DAG page with culprit -> victim arrows).

A vendor (api/policies.py) gets the vendor view of its own vendor only:
other vendors' NFs named by role, no internals (docs/reports.md).
"""
import json

import pecan

from microscope_plugin.api import errors
from microscope_plugin.api import validate as v
from microscope_plugin.api.controllers.v1.base import Resource
from microscope_plugin.api.hooks import scope_for
from microscope_plugin.db import api as dbapi
from microscope_plugin.db import errors as db_errors

BODY = ('diagnosis_id', 'vendor', 'nf', 'start_ns', 'end_ns', 'format', 'incidents')
FORMATS = ('html', 'json')


def _vendor(scope, asked):
    """The vendor view to build: a vendor caller always gets its own."""
    if scope.vendor is None:
        return asked
    if asked is not None and asked != scope.vendor:
        raise errors.ApiError(403, 'vendor: a vendor may only ask for its own '
                                   'report (%s)' % scope.vendor, 'vendor')
    return scope.vendor


def parse_request(body):
    v.fields(body, BODY, ('diagnosis_id',))
    did = body['diagnosis_id']
    if not isinstance(did, str):
        raise errors.bad_request('diagnosis_id', 'expected a string')
    out = {'diagnosis_id': did}
    for name in ('vendor', 'nf'):
        if body.get(name) is not None:
            out[name] = v.text(name, body[name])
    for name in ('start_ns', 'end_ns'):
        if body.get(name) is not None:
            if isinstance(body[name], str):
                raise errors.bad_request(name, 'expected an integer')
            out[name] = v.ns(name, body[name])
    if 'start_ns' in out and 'end_ns' in out and out['end_ns'] <= out['start_ns']:
        raise errors.bad_request('end_ns', 'must be after start_ns')
    fmt = body.get('format', 'html')
    out['format'] = v.choice(*FORMATS)('format', fmt)
    inc = body.get('incidents', 3)
    if isinstance(inc, str):
        raise errors.bad_request('incidents', 'expected an integer')
    out['incidents'] = v.integer('incidents', inc, 0, 20)
    return out


class ReportsController(Resource):
    @pecan.expose(content_type=None)
    def post(self, **kw):
        from microscope_plugin import report
        from microscope_plugin.report.dbsource import from_db
        scope = scope_for('microscope:report:create')
        req = pecan.request
        v.query(kw, {}, req.conf)
        q = parse_request(v.json_object(req))
        vendor = _vendor(scope, q.get('vendor'))
        try:
            did = v.uuid_id('diagnosis_id', q['diagnosis_id'], 'diagnosis')
            inputs = from_db(req.db, did, dbapi.Scope(project_id=scope.project_id),
                             q.get('start_ns'), q.get('end_ns'))
        except (errors.ApiError, db_errors.NotFound):
            raise errors.ApiError(404, 'diagnosis_id: diagnosis %s not found'
                                  % str(q['diagnosis_id'])[:80], 'diagnosis_id')
        try:
            rep = report.build_report(inputs, vendor=vendor, nf=q.get('nf'),
                                      start_ns=q.get('start_ns'),
                                      end_ns=q.get('end_ns'),
                                      top_incidents=q['incidents'])
        except report.ReportInputError as e:
            field = str(e).split(':')[0]
            raise errors.bad_request(field if field in BODY else None, str(e))
        if q['format'] == 'json':
            pecan.response.content_type = 'application/json'
            return json.dumps(rep.to_dict(), default=float)
        pecan.response.content_type = 'text/html'
        return report.render_html(rep)


class DagController(Resource):
    @pecan.expose(content_type='text/html')
    def get_all(self, diagnosis_id, **kw):
        from microscope_plugin.report.dag import render_dag
        from microscope_plugin.report.viewer import Viewer
        scope = scope_for('microscope:report:dag')
        req = pecan.request
        v.query(kw, {}, req.conf)
        did = v.uuid_id('diagnosis_id', diagnosis_id, 'diagnosis')
        with req.db.begin() as s:
            diag = dbapi.get_diagnosis(s, did, dbapi.Scope(project_id=scope.project_id))
            topo = dbapi.topology_object(
                s, dbapi.get_collection(s, diag.collection_id).topology_id)
            rows = dbapi.culprit_victim_scores(s, did, scope.vendor)
            state = diag.state
        names = set(topo.names)
        arrows = {}
        for kind, nf, victim_nf, score, _first in rows:
            if nf in names and victim_nf in names:
                arrows[(nf, victim_nf)] = arrows.get((nf, victim_nf), 0.0) + score
        viewer = Viewer(topo, scope.vendor)
        sub = 'diagnosis %s (%s); arrows: culprit -> NF of its victims, width by ' \
            'score%s' % (did, state, '; vendor view: %s' % scope.vendor
                         if scope.vendor else '')
        return render_dag(topo, [(c, vv, sc) for (c, vv), sc in arrows.items()],
                          viewer, 'NF DAG of topology %s' % topo.name, sub)
