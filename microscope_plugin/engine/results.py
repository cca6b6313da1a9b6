"""A :class:`DiagnosisResult` as rows for the database, in bulk.

A victim's row and its causes' rows, put together again by
:func:`microscope_plugin.db.results.victim_documents`, give exactly the
shape of ``DiagnosisResult.victim_json`` (the CLI's and the API's shape);
``detail`` keeps only what has no column (the victim's packet), so the
causes are not stored twice.  Rows are built for all victims at once (one
ranking, one compiled culprit-flow pass) instead of once per victim.
"""
import numpy as np

from microscope_plugin.diagnosis import kernel as K
from microscope_plugin.diagnosis.flows import relation_flows
from microscope_plugin.diagnosis.result import CAUSE_KINDS, flow_dict
from microscope_plugin.diagnosis.victims import KIND_NAMES

INT_COLUMNS = ('victim', 'culprit', 'kind', 'set_nf', 'set_i0', 'set_i1',
               'set_key', 't0', 't1', 'depth')
FLOAT_COLUMNS = ('score',)
MAX_CAUSES = 10
FLOWS_PER_CAUSE = 3


def victim_rows(result, vendors, max_causes=MAX_CAUSES,
                flows_per_cause=FLOWS_PER_CAUSE):
    """[{kind, nf, vendor, time_ns, latency_ns, detail, causes}] per victim.

    ``vendors``: NF name -> vendor."""
    V, A = result.victims, result.arrays
    n = len(V)
    C = result.causes()
    keep = np.flatnonzero(C.rank <= max_causes) if len(C.rank) else \
        np.zeros(0, np.int64)
    keep = keep[np.lexsort((C.rank[keep], C.victim[keep]))]
    fl, cnt, tot = relation_flows(result.rel_ints[C.best_rel[keep]], A,
                                  flows_per_cause)
    starts = np.searchsorted(C.victim[keep], np.arange(n + 1))
    flows_cache = {}

    def flow(fid):
        d = flows_cache.get(fid)
        if d is None:
            d = flows_cache[fid] = flow_dict(A.flows, fid)
        return d

    rows = []
    for v in range(n):
        pk = int(V.pkt[v])
        nf = result.names[int(V.nf[v])]
        lat = int(V.latency_ns[v]) if V.latency_ns[v] >= 0 else None
        causes = []
        for x in range(starts[v], starts[v + 1]):
            c = keep[x]
            k = int(C.culprit[c])
            cnf = result.nf_name(k)
            flows = [dict(flow(int(f)), packets=int(m))
                     for f, m in zip(fl[x], cnt[x]) if f >= 0]
            causes.append({'rank': int(C.rank[c]),
                           'kind': CAUSE_KINDS[int(C.kind[c])], 'nf': cnf,
                           'vendor': vendors.get(cnf, ''),
                           'score': float(C.score[c]),
                           'share': float(C.share[c]),
                           'start_ns': int(C.t0[c]), 'end_ns': int(C.t1[c]),
                           'culprit_packets': int(tot[x]), 'flows': flows})
        rows.append({'kind': KIND_NAMES[int(V.kind[v])], 'nf': nf,
                     'vendor': vendors.get(nf, ''), 'time_ns': int(V.t_ns[v]),
                     'latency_ns': lat, 'causes': causes,
                     'detail': {'packet': {'flow': flow(int(A.p_flow[pk])),
                                           'ipid': None}}})
    return rows


def relation_arrays(result):
    ints = np.asarray(result.rel_ints, dtype=np.int64).reshape(-1, K.N_RI)
    floats = np.asarray(result.rel_floats, dtype=np.float64).reshape(-1, K.N_RF)
    return ints, floats, INT_COLUMNS, FLOAT_COLUMNS
