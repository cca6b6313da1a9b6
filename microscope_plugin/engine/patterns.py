"""§4.4 patterns of a diagnosis, computed by
:mod:`microscope_plugin.aggregation` when it is installed.

Each task expands its relations into the aggregation's input
(``RelationRecords``, via ``microscope_plugin.diagnosis.relations``) while
its engine arrays are in memory, and stores the columns; the diagnosis'
final step concatenates them and aggregates once per threshold.  Without
those modules both steps are skipped and say why.
"""
import dataclasses
import io
import json
import logging

import numpy as np

LOG = logging.getLogger(__name__)


def task_input(result):
    """(npz bytes or None, note) of a task's relation records."""
    try:
        from microscope_plugin.diagnosis import relations
    except ImportError as e:
        return None, 'skipped: %s' % e
    rec = relations.relation_records(result)
    buf = io.BytesIO()
    np.savez_compressed(buf, **{f.name: getattr(rec, f.name)
                                for f in dataclasses.fields(rec)})
    return buf.getvalue(), '%d relation records' % len(rec)


def _vendors(doc, topology):
    """Vendors whose NFs a pattern names (by instance or by type)."""
    by_name = {n.name: n.vendor for n in topology.nfs}
    by_type = {}
    for n in topology.nfs:
        by_type.setdefault(n.type, set()).add(n.vendor)
    out = set()
    for side in ('culprit', 'victim'):
        label = str((doc.get(side) or {}).get('nf', ''))
        if label in by_name:
            out.add(by_name[label])
        out |= by_type.get(label, set())
    return sorted(v for v in out if v)


def compute(blobs, topology, thresholds):
    """{threshold: [(rank, score, vendors, pattern dict)]}, or a string
    saying why nothing was computed."""
    try:
        from microscope_plugin.aggregation import (
            AggregationParams, NFCatalog, RelationRecords, aggregate)
    except ImportError as e:
        return 'skipped: pattern aggregation not available (%s)' % e
    if not blobs:
        return ('skipped: the tasks stored no relation records (the '
                'diagnosis.relations adapter was not available)')
    parts = []
    for b in blobs:
        with np.load(io.BytesIO(b)) as z:
            parts.append(RelationRecords.build(**{k: z[k] for k in z.files}))
    records = RelationRecords.concat(parts)
    catalog = NFCatalog(names=tuple(topology.names),
                        types=tuple(n.type for n in topology.nfs))
    out = {}
    for t in thresholds:
        res = aggregate(records, catalog, AggregationParams(threshold=t))
        rows = []
        for i, p in enumerate(res.patterns):
            doc = json.loads(json.dumps(p.to_dict(), default=float))
            rows.append((int(doc.get('rank', i + 1)),
                         float(doc.get('score', 0.0)),
                         _vendors(doc, topology), doc))
        out[t] = rows
    return out
