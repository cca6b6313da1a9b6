"""Diagnostic accuracy against the emulator's ground truth (§6.2).

Works on any diagnoser's :class:`DiagnosisResult` (Microscope, NetMedic).
A *victim packet* is a packet the diagnoser selected as a victim that the
truth attributes to an injected fault (the counterfactual of
``emulator/truth.py``).  Its *causes* are the diagnoser's causes at every
NF where it was diagnosed, with the scores of the same (kind, culprit)
added up.  The rank of the injected culprit among them:

* a traffic burst is found by a ``source`` cause (component); strictly,
  when the burst's flow is among that cause's top culprit flows;
* an interrupt by an ``nf`` cause naming the interrupted NF;
* a bug by an ``nf`` cause naming the buggy firewall (component), and
  strictly when the trigger flow is among its top flows too.

Ties count against the culprit: its rank is one plus the number of other
causes scoring at least as much as the best matching cause.  A victim
packet without a matching cause gets :data:`NOT_FOUND`.
"""
import dataclasses

import numpy as np

from microscope_plugin.diagnosis import kernel as K
from microscope_plugin.emulator.match import ip_to_int

NOT_FOUND = 10**6
FAULT_KINDS = ('burst', 'interrupt', 'bug')
CAUSE_CODES = {'source': K.KIND_SOURCE, 'nf': K.KIND_NF, 'nf_flows': K.KIND_NF,
               'in_nf_delay': K.KIND_IN_NF}
TIE_RTOL = 1e-9


@dataclasses.dataclass
class Ranks:
    fault: np.ndarray       # fault id per evaluated victim packet
    kind: np.ndarray        # fault kind name per victim packet
    rank: np.ndarray        # rank of the injected culprit (component level)
    rank_strict: np.ndarray  # rank requiring the culprit flows too
    t_ns: np.ndarray
    hops: np.ndarray        # propagation hops: victim NF position - fault NF position
    pkt: np.ndarray = None  # the diagnoser's packet ids

    def __len__(self):
        return len(self.rank)

    def select(self, mask):
        return Ranks(**{f.name: (None if getattr(self, f.name) is None
                                 else getattr(self, f.name)[mask])
                        for f in dataclasses.fields(self)})

    def table(self, strict=False):
        r = self.rank_strict if strict else self.rank
        out = {}
        for name, sel in [('all', np.ones(len(r), bool))] + [
                (k, self.kind == k) for k in FAULT_KINDS]:
            n = int(sel.sum())
            out[name] = {'victims': n} if n == 0 else {
                'victims': n, 'rank1': float((r[sel] <= 1).mean()),
                'rank2': float((r[sel] <= 2).mean()),
                'rank5': float((r[sel] <= 5).mean())}
        return out


def truth_rows_of_packets(trace, truth):
    """Map the trace's packet ids to truth packet rows (via any record)."""
    row = np.full(trace.n_packets, -1, dtype=np.int64)
    for v in trace.views:
        if v is None:
            continue
        rows = truth['records/' + v.name]
        rx_rows = rows[~v.order_is_tx]
        tx_rows = rows[v.order_is_tx]
        row[v.rx_pkt] = rx_rows
        row[v.tx_pkt] = tx_rows
    return row


def _fault_flows(f):
    """The culprit flows of a fault as a set of 5-tuples (None for an
    interrupt): a burst's flow, or every trigger flow of a bug."""
    fls = f.get('flows') or ([f['flow']] if f.get('flow') else [])
    if not fls:
        return None
    return {(ip_to_int(fl['src']), ip_to_int(fl['dst']), fl['sport'],
             fl['dport'], fl['proto']) for fl in fls}


class _Faults:
    """Per fault id: kind code, target component (by name), culprit flow."""

    def __init__(self, truth_json, names):
        fs = truth_json['faults']
        n = max([f['id'] for f in fs], default=-1) + 1
        self.by_id = {f['id']: f for f in fs}
        self.kind = np.full(n, -1, dtype=np.int64)
        self.target = np.full(n, -1, dtype=np.int64)
        self.flow = [None] * n
        for f in fs:
            self.kind[f['id']] = FAULT_KINDS.index(f['kind'])
            if f['kind'] != 'burst' and f.get('nf') in names:
                self.target[f['id']] = names.index(f['nf'])
            self.flow[f['id']] = _fault_flows(f)


def _hits(fkind, ftarget, ckind, cculprit):
    """Does a cause (kind, culprit) name its packet's injected culprit?"""
    return np.where(fkind == 0, ckind == K.KIND_SOURCE,
                    (ckind == K.KIND_NF) & (cculprit == ftarget))


def _rank_core(n_eval, owner, score, hit):
    """Per evaluated packet: rank of its best matching cause (ties count
    against it), NOT_FOUND without one.  ``owner``: evaluated packet index
    of each cause."""
    best = np.full(n_eval, -np.inf)
    np.maximum.at(best, owner[hit], score[hit])
    found = best > -np.inf
    b = best[owner]
    ahead = (~hit) & found[owner] & (score >= b - TIE_RTOL * np.abs(b))
    rank = 1 + np.bincount(owner[ahead], minlength=n_eval)
    return np.where(found, rank, NOT_FOUND)


def _victim_info(truth, rows, fault_ids, faults, truth_names):
    """Source time and propagation hops of each evaluated victim packet."""
    t = truth['t_src_ns'][rows].astype(np.int64)
    path = truth['path'][rows]
    vh = truth['victim_hop'][rows].astype(np.int64)
    tgt_name = [faults.by_id[int(f)].get('nf') if faults.by_id[int(f)]['kind'] != 'burst'
                else None for f in fault_ids]
    tgt = np.array([truth_names.index(x) if x in truth_names else -2
                    for x in tgt_name], dtype=np.int64)
    on = path == tgt[:, None]
    fh = np.where(on.any(axis=1), np.argmax(on, axis=1), -1)
    hops = np.where(vh >= 0, vh - fh, 0)
    return t, hops


@dataclasses.dataclass
class CauseTable:
    """Causes per victim packet over all its victim hops: one row per
    (packet, kind, culprit) with the summed score, sorted by packet, then
    score descending.  ``members``/``member_start``: the per-victim-hop
    causes (rows of ``result.causes()``) that make up each row."""

    pkt: np.ndarray
    kind: np.ndarray
    culprit: np.ndarray
    score: np.ndarray
    members: np.ndarray
    member_start: np.ndarray


def cause_table(result, packets=None):
    """Aggregate ``result.causes()`` per victim packet (any diagnoser)."""
    C = result.causes()
    pk = result.victims.pkt[C.victim].astype(np.int64)
    sel = np.arange(len(pk)) if packets is None else np.flatnonzero(np.isin(pk, packets))
    n_nf = len(result.names) + 2
    key = (pk[sel] * 4 + C.kind[sel]) * n_nf + (C.culprit[sel] + 1)
    order = np.argsort(key, kind='stable')
    ks = key[order]
    new = np.ones(len(ks), dtype=bool)
    new[1:] = ks[1:] != ks[:-1]
    start = np.flatnonzero(new)
    grp = np.cumsum(new) - 1
    score = np.bincount(grp, weights=C.score[sel][order], minlength=len(start))
    uk = ks[start]
    g_pkt = uk // (4 * n_nf)
    g_kind = (uk // n_nf) % 4
    g_cul = uk % n_nf - 1
    o = np.lexsort((-score, g_pkt))
    inv = np.empty(len(o), dtype=np.int64)
    inv[o] = np.arange(len(o))
    # members regrouped in the final row order
    m_rows = inv[grp]
    m_order = np.argsort(m_rows, kind='stable')
    members = sel[order][m_order]
    counts = np.bincount(m_rows, minlength=len(o))
    member_start = np.concatenate(([0], np.cumsum(counts)))
    return CauseTable(pkt=g_pkt[o], kind=g_kind[o], culprit=g_cul[o],
                      score=score[o], members=members,
                      member_start=member_start)


def _flow_sets(result, table, rows, top_flows):
    """Union of the top culprit flows (5-tuples) of each table row."""
    from microscope_plugin.diagnosis.flows import relation_flows
    C = result.causes()
    A = result.arrays
    out = [set() for _ in rows]
    if not len(rows):
        return out
    parts = [table.members[table.member_start[r]:table.member_start[r + 1]]
             for r in rows]
    mem = np.concatenate(parts)
    fl, _, _ = relation_flows(result.rel_ints[C.best_rel[mem]], A, top_flows)
    F = A.flows
    pos = 0
    for i, p in enumerate(parts):
        for f in fl[pos:pos + len(p)].ravel():
            if f >= 0:
                out[i].add((int(F['src'][f]), int(F['dst'][f]), int(F['sport'][f]),
                            int(F['dport'][f]), int(F['proto'][f])))
        pos += len(p)
    return out


def evaluate_result(result, truth, truth_json, pkt_row, top_flows=3):
    """:class:`Ranks` of the injected culprits among ``result``'s causes,
    for every victim packet the truth attributes to an injected fault."""
    names = list(result.names)
    faults = _Faults(truth_json, names)
    vp = np.unique(result.victims.pkt).astype(np.int64)
    rows = pkt_row[vp]
    vf = np.where(rows >= 0, truth['victim_fault'][np.maximum(rows, 0)], -1)
    keep = vf >= 0
    vp, rows, vf = vp[keep], rows[keep], vf[keep]
    T = cause_table(result, packets=vp)
    owner = np.searchsorted(vp, T.pkt)
    f_of = vf[owner]
    hit = _hits(faults.kind[f_of], faults.target[f_of], T.kind, T.culprit)
    rank = _rank_core(len(vp), owner, T.score, hit)
    # strict: the culprit flow must be among the matching cause's flows
    need = np.flatnonzero(hit & np.array([faults.flow[f] is not None
                                          for f in f_of], dtype=bool))
    strict_hit = hit.copy()
    strict_hit[need] = False
    for r, fs in zip(need, _flow_sets(result, T, need, top_flows)):
        strict_hit[r] = bool(faults.flow[f_of[r]] & fs)
    strict = _rank_core(len(vp), owner, T.score, strict_hit)
    t, hops = _victim_info(truth, rows, vf, faults, list(truth['nf_names']))
    kinds = np.array(FAULT_KINDS, dtype=object)[faults.kind[vf]] if len(vf) \
        else np.zeros(0, dtype=object)
    return Ranks(fault=vf.astype(np.int64), kind=kinds, rank=rank,
                 rank_strict=strict, t_ns=t, hops=hops, pkt=vp)


def ranked_causes(result, top_flows=3, packets=None):
    """Per victim packet id: its causes over all its victim hops, ranked
    (dicts with ``kind``, ``nf``, ``score`` and ``flows`` as 5-tuples).
    Meant for inspection and small runs; :func:`evaluate_result` is the
    vectorised path."""
    from microscope_plugin.diagnosis.result import CAUSE_KINDS
    T = cause_table(result, packets=packets)
    flows = _flow_sets(result, T, np.arange(len(T.pkt)), top_flows)
    per = {}
    for i in range(len(T.pkt)):
        c = int(T.culprit[i])
        per.setdefault(int(T.pkt[i]), []).append(
            {'kind': CAUSE_KINDS[int(T.kind[i])],
             'nf': result.names[c] if c >= 0 else 'unknown source',
             'score': float(T.score[i]), 'flows': flows[i]})
    return per


microscope_ranked = ranked_causes


def evaluate(ranked, truth, truth_json, pkt_row):
    """:class:`Ranks` from ``ranked`` (as returned by :func:`ranked_causes`:
    per victim packet id, its causes in rank order)."""
    names = sorted({c['nf'] for cs in ranked.values() for c in cs}
                   | {f['nf'] for f in truth_json['faults'] if f.get('nf')})
    faults = _Faults(truth_json, names)
    pk = np.array(sorted(ranked), dtype=np.int64)
    rows = pkt_row[pk] if len(pk) else np.zeros(0, np.int64)
    vf = np.where(rows >= 0, truth['victim_fault'][np.maximum(rows, 0)], -1)
    keep = vf >= 0
    pk, rows, vf = pk[keep], rows[keep], vf[keep]
    owner, kind, cul, score, has_flow = [], [], [], [], []
    for i, p in enumerate(pk):
        cs = ranked[int(p)]
        flow = faults.flow[vf[i]]
        for r, c in enumerate(cs):
            owner.append(i)
            kind.append(CAUSE_CODES.get(c['kind'], -1))
            cul.append(names.index(c['nf']) if c['nf'] in names else -1)
            # without scores, the list order is the ranking
            score.append(c.get('score', float(len(cs) - r)))
            has_flow.append(flow is None or bool(flow & set(c.get('flows', ()))))
    owner = np.array(owner, dtype=np.int64)
    kind = np.array(kind, dtype=np.int64)
    cul = np.array(cul, dtype=np.int64)
    score = np.array(score, dtype=float)
    f_of = vf[owner] if len(owner) else np.zeros(0, np.int64)
    hit = _hits(faults.kind[f_of], faults.target[f_of], kind, cul) if len(owner) \
        else np.zeros(0, bool)
    rank = _rank_core(len(pk), owner, score, hit)
    strict = _rank_core(len(pk), owner, score, hit & np.array(has_flow, dtype=bool))
    t, hops = _victim_info(truth, rows, vf, faults, list(truth['nf_names']))
    kinds = np.array(FAULT_KINDS, dtype=object)[faults.kind[vf]] if len(vf) \
        else np.zeros(0, dtype=object)
    return Ranks(fault=vf.astype(np.int64), kind=kinds, rank=rank,
                 rank_strict=strict, t_ns=t, hops=hops, pkt=pk)
