"""Report inputs from a stored diagnosis (the service's database).

The same :class:`ReportInputs` as from a run directory: the topology as
registered, the §4.4 aggregation input every task stored, the stored
patterns (lowest threshold), incidents rebuilt from the victims and their
first-ranked causes, the documents of the slowest victims of the largest
incidents (evidence), and the collection's record blocks for the queue
plots (only the blocks around each incident are loaded).
"""
import io

import numpy as np

from microscope_plugin.aggregation.records import RelationRecords
from microscope_plugin.db import api as dbapi
from microscope_plugin.report.evidence import incident_victims, spread
from microscope_plugin.report.incidents import incidents_from_rows
from microscope_plugin.report.inputs import ReportInputs


def _records(blobs):
    parts = []
    for b in blobs:
        with np.load(io.BytesIO(b)) as z:
            parts.append(RelationRecords.build(**{k: z[k] for k in z.files}))
    return RelationRecords.concat(parts)


def from_db(db, diagnosis_id, scope=dbapi.ALL, start_ns=None, end_ns=None,
            per_incident=5, top_incidents=10):
    """Inputs of diagnosis ``diagnosis_id`` (raises NotFound outside
    ``scope``)."""
    with db.begin() as s:
        diag = dbapi.get_diagnosis(s, diagnosis_id, scope)
        coll = dbapi.get_collection(s, diag.collection_id)
        topology = dbapi.topology_object(s, coll.topology_id)
        records = _records(dbapi.aggregation_inputs(s, diagnosis_id))
        have = dbapi.pattern_thresholds(s, diagnosis_id)
        pats = [dict(r.pattern, rank=r.rank, score=r.score) for r in
                dbapi.list_patterns(s, diagnosis_id, have[0], limit=100)] \
            if have else []
        victims = dbapi.report_victims(s, diagnosis_id, start_ns, end_ns)
        first = dbapi.first_causes(s, diagnosis_id)
        types = {n.name: n.type for n in topology.nfs}
        incs = incidents_from_rows(victims, first, types)
        times = np.array([v[3] for v in victims], dtype=np.int64)
        lat = np.array([v[4] if v[4] is not None else np.iinfo(np.int64).max
                        for v in victims], dtype=np.int64)
        ids, nfs = [], [v[1] for v in victims]
        for _inc, sel in incident_victims(times, incs, top_incidents):
            slow = sel[np.argsort(-lat[sel], kind='stable')]
            ids += [victims[i][0] for i in spread(slow, nfs, per_incident)]
        docs = dbapi.documents_of_victims(s, diagnosis_id, ids, types)
        summary = dict(diag.summary or {}, victims=diag.n_victims,
                       relations=diag.n_relations, diagnoser=diag.diagnoser)
        collection_id = coll.id
    t0 = int(diag.start_ns)

    def loader(lo, hi):
        from microscope_plugin.engine.loader import load_records
        from microscope_plugin.trace.reconstruct import reconstruct
        recs = load_records(db, collection_id, lo, hi)
        return reconstruct(topology, recs) if recs else None

    return ReportInputs(topology=topology, records=records, patterns=pats,
                        incidents=incs, victims=docs, summary=summary,
                        source='diagnosis %s' % diagnosis_id, t0_ns=t0,
                        trace_loader=loader)
