"""Causal relations as aggregation input (§4.4).

Each victim's cause — a culprit (kind, NF) with its score — becomes rows of
:class:`~microscope_plugin.aggregation.records.RelationRecords`: one row
per culprit flow among the top flows of its culprit packets, the score
split in proportion to their packets, with the victim packet's flow and
NF on the victim side.  Causes that share a culprit packet set (same
culprit, kind and queuing period) share a ``group``, the unit of the
paper's first aggregation step.  Causes below ``min_share`` of their victim's total are
left out: they are noise at the scale of patterns.
"""
import numpy as np

from microscope_plugin.aggregation.records import NFCatalog, RelationRecords
from microscope_plugin.diagnosis import kernel as K
from microscope_plugin.diagnosis.flows import relation_flows


def relation_records(result, top_flows=4, min_share=0.05):
    """RelationRecords of ``result``; NF ids index ``result.names``.

    Causes sharing a culprit packet set (same culprit, kind and queuing
    period) share a group; the group's culprit flows are counted once,
    over its largest set (the latest victim's), and every cause of the
    group splits its score over them.
    """
    C = result.causes()
    A = result.arrays
    V = result.victims
    keep = np.flatnonzero((C.share >= min_share) & (C.score > 0))
    rel = result.rel_ints[C.best_rel[keep]]
    gkey = ((rel[:, K.R_CULPRIT] + 1) << 52) | (rel[:, K.R_KIND] << 50) \
        | (rel[:, K.R_SET_NF] << 40) | rel[:, K.R_SET_I0]
    _, group = np.unique(gkey, return_inverse=True)
    n_groups = int(group.max()) + 1 if len(group) else 0
    # representative: the member whose set reaches furthest
    order = np.lexsort((rel[:, K.R_T1], rel[:, K.R_SET_I1], group))
    last = np.ones(len(order), dtype=bool)
    last[:-1] = group[order][1:] != group[order][:-1]
    rep = np.empty(n_groups, dtype=np.int64)
    rep[group[order][last]] = order[last]
    fl, cnt, _ = relation_flows(rel[rep], A, top_flows)
    fl, cnt = fl[group], cnt[group]
    has = fl >= 0
    ok = has.any(axis=1)
    keep, fl, cnt, group, has = keep[ok], fl[ok], cnt[ok], group[ok], has[ok]
    w = np.where(has, cnt, 0).astype(np.float64)
    w = w / w.sum(axis=1, keepdims=True) * C.score[keep][:, None]
    rows, cols = np.nonzero(has)
    f = fl[rows, cols]
    victim = C.victim[keep][rows]
    vflow = A.p_flow[V.pkt[victim]]
    vf = np.maximum(vflow, 0)
    known = vflow >= 0
    culprit = C.culprit[keep][rows]

    def col(name, ids, present):
        return np.where(present, A.flows[name][ids], 0)

    return RelationRecords.build(
        group=group[rows],
        c_src=A.flows['src'][f], c_dst=A.flows['dst'][f],
        c_sport=A.flows['sport'][f], c_dport=A.flows['dport'][f],
        c_proto=A.flows['proto'][f],
        c_nf=np.where(culprit >= 0, culprit, 0),
        v_src=col('src', vf, known), v_dst=col('dst', vf, known),
        v_sport=col('sport', vf, known), v_dport=col('dport', vf, known),
        v_proto=col('proto', vf, known), v_nf=V.nf[victim],
        weight=w[rows, cols], c_t_ns=C.t0[keep][rows], v_t_ns=V.t_ns[victim])


def catalog(result):
    return NFCatalog(names=tuple(result.names), types=tuple(result.types))
