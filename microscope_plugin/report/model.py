"""The report: what a party needs to settle who is to blame (§1-2, §6.5).

:func:`build_report` turns :class:`ReportInputs` into a :class:`Report`
for one reader (the operator, or one vendor — see :mod:`.viewer`),
optionally limited to a time range and/or one NF:

* ``verdicts`` — culprit / victim of upstream / victim of traffic per NF
  (:mod:`.verdicts`);
* ``type_matrix`` — Table 2: culprit NF type x victim NF type, shares of
  the total score (sums to 1 over the relations in scope);
* ``instance_matrix`` — Table 3: culprit NF instance x victim NF type;
* ``patterns`` — the top causal patterns of §4.4 (Fig. 14 style);
* ``time_gaps`` — Fig. 15: CDF of culprit -> victim time gaps;
* ``incidents`` — the largest incidents, each with its leading causes,
  the queue occupancy and input/processing rates of the NFs involved
  around it (Fig. 1b/2c/3c) and evidence packets (:mod:`.sections`).
"""
import dataclasses
import datetime

import numpy as np

from microscope_plugin.aggregation import summaries
from microscope_plugin.report import sections
from microscope_plugin.report.inputs import ReportInputError
from microscope_plugin.report.verdicts import verdicts
from microscope_plugin.report.viewer import Viewer


@dataclasses.dataclass
class Report:
    meta: dict
    verdicts: list
    type_matrix: object           # summaries.Matrix
    instance_matrix: object       # summaries.Matrix
    patterns: list
    time_gaps: object             # summaries.TimeGapCDF
    incidents: list
    notes: list

    def culprits(self):
        return [v for v in self.verdicts if v['verdict'] == 'culprit']

    def to_dict(self):
        return {'meta': self.meta, 'verdicts': self.verdicts,
                'type_matrix': self.type_matrix.to_dict(),
                'instance_matrix': self.instance_matrix.to_dict(),
                'patterns': self.patterns,
                'time_gaps': self.time_gaps.to_dict(points=21),
                'incidents': [{k: v for k, v in i.items() if k != 'series_obj'}
                              for i in self.incidents],
                'notes': self.notes}


def _check_scope(inputs, vendor, nf, start_ns, end_ns):
    topo = inputs.topology
    if vendor is not None:
        vendors = sorted({n.vendor for n in topo.nfs if n.vendor})
        if vendor not in vendors:
            raise ReportInputError('vendor: %r has no NF in topology %r (vendors: %s)'
                                   % (vendor, topo.name, ', '.join(vendors) or 'none'))
    if nf is not None:
        if nf not in topo.names:
            raise ReportInputError('nf: unknown NF %r in topology %r' % (nf, topo.name))
        if vendor is not None and topo.nf(nf).vendor != vendor:
            raise ReportInputError('nf: %r is not an NF of vendor %r' % (nf, vendor))
    if start_ns is not None and end_ns is not None and end_ns <= start_ns:
        raise ReportInputError('end_ns: must be after start_ns')


def scoped_records(inputs, viewer, nf=None, start_ns=None, end_ns=None):
    """The relations in scope: victims in [start_ns, end_ns), involving
    ``nf`` (as culprit or victim) and, for a vendor, one of its NFs."""
    rec = inputs.records
    keep = np.ones(len(rec), dtype=bool)
    if start_ns is not None:
        keep &= rec.v_t_ns >= start_ns
    if end_ns is not None:
        keep &= rec.v_t_ns < end_ns
    names = inputs.topology.names
    if nf is not None:
        k = names.index(nf)
        keep &= (rec.c_nf == k) | (rec.v_nf == k)
    if viewer.vendor is not None:
        own = np.zeros(len(names), dtype=bool)
        own[[names.index(n) for n in viewer.own_nfs()]] = True
        keep &= own[rec.c_nf] | own[rec.v_nf] if len(rec) else keep
    return rec if keep.all() else rec.take(np.flatnonzero(keep))


def _instance_matrix(records, catalog, viewer):
    m = summaries.instance_matrix(records, catalog)
    rows = [i for i, r in enumerate(m.rows) if m.values[i].any()]
    return summaries.Matrix(m.title, [viewer.label(m.rows[i]) for i in rows],
                            m.cols, m.values[rows], m.total)


def build_report(inputs, vendor=None, nf=None, start_ns=None, end_ns=None,
                 top_patterns=10, top_incidents=3, evidence_per_incident=5,
                 series=True, title=None):
    """A :class:`Report` of ``inputs`` for ``vendor`` (None: operator)."""
    _check_scope(inputs, vendor, nf, start_ns, end_ns)
    viewer = Viewer(inputs.topology, vendor)
    catalog = inputs.catalog
    rec = scoped_records(inputs, viewer, nf, start_ns, end_ns)
    filtered = len(rec) != len(inputs.records)
    notes = []
    pats = sections.patterns(inputs, rec, catalog, viewer, filtered,
                             top_patterns, notes)
    incs = sections.incidents(inputs, viewer, nf, start_ns, end_ns, top_incidents,
                              evidence_per_incident, series, notes)
    summary = inputs.summary or {}
    meta = {
        'title': title or 'Microscope blame-resolution report',
        'source': inputs.source, 'topology': inputs.topology.name,
        'vendor': vendor, 'nf': nf, 'start_ns': start_ns, 'end_ns': end_ns,
        't0_ns': inputs.t0_ns,
        'generated_at': datetime.datetime.now(datetime.timezone.utc)
        .strftime('%Y-%m-%d %H:%M:%S UTC'),
        'diagnoser': summary.get('diagnoser', 'microscope'),
        'victims': summary.get('victims'),
        'latency_threshold_ns': summary.get('latency_threshold_ns'),
        'relation_rows': len(rec), 'total_score': float(rec.weight.sum()),
        'own_nfs': Viewer(inputs.topology, vendor).own_nfs() if vendor else None,
    }
    return Report(meta=meta, verdicts=verdicts(rec, catalog, viewer),
                  type_matrix=summaries.nf_type_matrix(rec, catalog),
                  instance_matrix=_instance_matrix(rec, catalog, viewer),
                  patterns=pats, time_gaps=summaries.time_gaps(rec),
                  incidents=incs, notes=notes)
