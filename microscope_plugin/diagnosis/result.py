"""The diagnosis result: victims, causal relations, ranked causes, JSON.

Causal relations (§4.4 input) are columns: ⟨culprit packets, culprit NF⟩
→ ⟨victim packet, victim NF⟩ with a score (in packets of the victim's
queue).  Per victim, relations with the same culprit (kind, NF) add up to
one *cause*; causes are ranked by score.  The JSON shape of a victim and
its causes is the same from the CLI and the API (docs/diagnosis.md).
"""
import dataclasses
import ipaddress

import numpy as np

from microscope_plugin.diagnosis import kernel as K
from microscope_plugin.diagnosis.flows import relation_flows
from microscope_plugin.diagnosis.victims import KIND_NAMES

CAUSE_KINDS = {K.KIND_SOURCE: 'source', K.KIND_NF: 'nf', K.KIND_IN_NF: 'in_nf_delay'}
PROTO = {6: 'tcp', 17: 'udp', 1: 'icmp'}


def flow_dict(flows, fid):
    if fid < 0:
        return None
    return {'src': str(ipaddress.IPv4Address(int(flows['src'][fid]))),
            'dst': str(ipaddress.IPv4Address(int(flows['dst'][fid]))),
            'sport': int(flows['sport'][fid]), 'dport': int(flows['dport'][fid]),
            'proto': int(flows['proto'][fid])}


@dataclasses.dataclass
class Causes:
    """Per (victim, culprit) summed scores, ranked within each victim."""

    victim: np.ndarray      # victim index
    kind: np.ndarray
    culprit: np.ndarray     # NF index (-1: unknown traffic source)
    score: np.ndarray
    share: np.ndarray       # score / victim's total
    rank: np.ndarray        # 1 = top
    best_rel: np.ndarray    # relation with the largest score in the cause
    t0: np.ndarray
    t1: np.ndarray


@dataclasses.dataclass
class DiagnosisResult:
    diagnoser: str
    names: list
    types: list
    victims: object                 # victims.Victims
    rel_ints: np.ndarray
    rel_floats: np.ndarray
    arrays: object                  # state.EngineArrays (for culprit flows)
    params: object
    trace_summary: dict
    rates: dict
    timings: dict = dataclasses.field(default_factory=dict)
    _causes: Causes = None

    @property
    def n_relations(self):
        return len(self.rel_ints)

    def relation_victim(self):
        """Victim index of every relation."""
        return self.rel_ints[:, K.R_VICTIM]

    def causes(self):
        if self._causes is not None:
            return self._causes
        n = self.n_relations
        vi = self.relation_victim()
        kind = self.rel_ints[:, K.R_KIND]
        cul = self.rel_ints[:, K.R_CULPRIT]
        score = self.rel_floats[:, K.F_SCORE]
        key = (vi * 4 + kind) * (len(self.names) + 2) + (cul + 1)
        uk, inv = np.unique(key, return_inverse=True) if n else (np.zeros(0, np.int64),
                                                                 np.zeros(0, np.int64))
        tot = np.bincount(inv, weights=score, minlength=len(uk)) if n else np.zeros(0)
        order = np.lexsort((-score, inv))
        first = np.ones(n, dtype=bool)
        first[1:] = inv[order][1:] != inv[order][:-1]
        best = np.empty(len(uk), dtype=np.int64)
        best[inv[order][first]] = order[first]
        t0 = np.full(len(uk), np.iinfo(np.int64).max)
        t1 = np.full(len(uk), np.iinfo(np.int64).min)
        np.minimum.at(t0, inv, self.rel_ints[:, K.R_T0])
        np.maximum.at(t1, inv, self.rel_ints[:, K.R_T1])
        c_v = uk // (4 * (len(self.names) + 2))
        c_kind = (uk // (len(self.names) + 2)) % 4
        c_cul = uk % (len(self.names) + 2) - 1
        vtot = np.bincount(c_v, weights=tot, minlength=len(self.victims))
        o = np.lexsort((-tot, c_v))
        rank = np.empty(len(uk), dtype=np.int64)
        vs = c_v[o]
        start = np.ones(len(o), dtype=bool)
        start[1:] = vs[1:] != vs[:-1]
        firsts = np.flatnonzero(start)
        rank[o] = np.arange(len(o)) - np.repeat(firsts, np.diff(np.append(firsts, len(o)))) + 1
        self._causes = Causes(victim=c_v, kind=c_kind, culprit=c_cul, score=tot,
                              share=tot / np.maximum(vtot[c_v], 1e-12), rank=rank,
                              best_rel=best, t0=t0, t1=t1)
        return self._causes

    def nf_name(self, k):
        return self.names[k] if k >= 0 else 'unknown source'

    def victim_json(self, v, max_causes=10, flows_per_cause=3):
        V = self.victims
        A = self.arrays
        pk = int(V.pkt[v])
        d = {'id': int(v), 'kind': KIND_NAMES[int(V.kind[v])],
             'nf': self.names[int(V.nf[v])], 'time_ns': int(V.t_ns[v]),
             'latency_ns': int(V.latency_ns[v]) if V.latency_ns[v] >= 0 else None,
             'packet': {'flow': flow_dict(A.flows, int(A.p_flow[pk])),
                        'ipid': int(A.p_ipid[pk])}}
        C = self.causes()
        sel = np.flatnonzero(C.victim == v)
        sel = sel[np.argsort(C.rank[sel])][:max_causes]
        fl, cnt, tot = relation_flows(self.rel_ints[C.best_rel[sel]], A,
                                      flows_per_cause)
        causes = []
        for x, c in enumerate(sel):
            k = int(C.culprit[c])
            causes.append({
                'rank': int(C.rank[c]), 'kind': CAUSE_KINDS[int(C.kind[c])],
                'nf': self.nf_name(k), 'nf_type': self.types[k] if k >= 0 else 'source',
                'score': round(float(C.score[c]), 3),
                'share': round(float(C.share[c]), 4),
                'start_ns': int(C.t0[c]), 'end_ns': int(C.t1[c]),
                'culprit_packets': int(tot[x]),
                'flows': [dict(flow_dict(A.flows, int(f)), packets=int(n))
                          for f, n in zip(fl[x], cnt[x]) if f >= 0]})
        d['causes'] = causes
        return d

    def summary(self):
        C = self.causes()
        top = C.rank == 1
        by = {}
        for k, c in zip(C.kind[top], C.culprit[top]):
            key = (CAUSE_KINDS[int(k)], self.nf_name(int(c)))
            by[key] = by.get(key, 0) + 1
        return {
            'diagnoser': self.diagnoser,
            'victims': int(len(self.victims)),
            'victim_packets': int(len(np.unique(self.victims.pkt))),
            'latency_threshold_ns': int(self.victims.threshold_ns),
            'relations': int(self.n_relations),
            'top_causes': [{'kind': k, 'nf': n, 'victims': c} for (k, n), c in
                           sorted(by.items(), key=lambda x: -x[1])],
            'peak_rates_pps': {n: {'rate': r, 'origin': o}
                               for n, (r, o) in self.rates.items()},
            'trace': {k: v for k, v in self.trace_summary.items() if k != 'per_nf'},
            'timings': self.timings,
        }

    def to_json(self, offset=0, limit=100):
        n = len(self.victims)
        return {'summary': self.summary(),
                'params': self.params.to_dict(),
                'victims': [self.victim_json(v) for v in
                            range(offset, min(n, offset + limit))]}
