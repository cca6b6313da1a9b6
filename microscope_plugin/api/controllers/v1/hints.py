"""/v1/scaling_hints: the auto-scaling hints of every diagnosis the
caller may see (per diagnosis: /v1/diagnoses/{id}/scaling_hints)."""
import pecan

from microscope_plugin.api import validate as v
from microscope_plugin.api.controllers.v1.base import Resource, iso, page
from microscope_plugin.api.hooks import scope_for
from microscope_plugin.db import api as dbapi

ACTIONS = ('SCALE_OUT', 'SCALE_IN', 'HEAL')


def hint_dict(r):
    return {'id': r.id, 'diagnosis_id': r.diagnosis_id, 'nf': r.nf,
            'vendor': r.vendor, 'action': r.action, 'score': r.score,
            'reason': r.reason, 'detail': r.detail,
            'created_at': iso(r.created_at)}


class ScalingHintsController(Resource):
    @pecan.expose('json')
    def get_all(self, **kw):
        scope = scope_for('microscope:scaling_hint:list_all')
        q = v.query(kw, {'action': v.choice(*ACTIONS), 'nf': v.text},
                    pecan.request.conf)
        marker = None if q['marker'] is None else \
            v.integer('marker', q['marker'], 0)
        with pecan.request.db.begin() as s:
            rows = dbapi.list_all_scaling_hints(
                s, scope.project_id, q.get('action'), q.get('nf'),
                q['limit'], marker)
        return page('scaling_hints', rows, hint_dict, q)
