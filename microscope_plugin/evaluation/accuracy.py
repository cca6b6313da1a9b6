"""Diagnostic accuracy against the emulator's ground truth (§6.2).

For every victim packet the diagnoser reported that the truth attributes
to an injected fault, find the rank of the injected culprit among the
diagnoser's causes for that packet (its causes at every NF where it was
diagnosed, added up):

* a traffic burst is found when a ``source`` cause names the burst's flow
  among its top flows (strict), or names the source at all (component);
* an interrupt when an ``nf`` cause names the interrupted NF;
* a bug when an ``nf`` cause names the buggy firewall (component), and
  strictly when the trigger flow is among its top flows too.
"""
import dataclasses

import numpy as np

from microscope_plugin.emulator.match import ip_to_int

NOT_FOUND = 10**6


@dataclasses.dataclass
class Ranks:
    fault: np.ndarray       # fault id per evaluated victim packet
    kind: np.ndarray        # fault kind name per victim packet
    rank: np.ndarray        # rank of the injected culprit (component level)
    rank_strict: np.ndarray  # rank requiring the culprit flows too
    t_ns: np.ndarray
    hops: np.ndarray        # propagation hops: victim NF position - fault NF position

    def table(self, strict=False):
        r = self.rank_strict if strict else self.rank
        out = {}
        for name, sel in [('all', np.ones(len(r), bool))] + [
                (k, self.kind == k) for k in ('burst', 'interrupt', 'bug')]:
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
    """The culprit flows of a fault as 5-tuples (None for interrupts)."""
    fls = f.get('flows') or ([f['flow']] if f.get('flow') else [])
    if not fls:
        return None
    return {(ip_to_int(fl['src']), ip_to_int(fl['dst']), fl['sport'],
             fl['dport'], fl['proto']) for fl in fls}


def evaluate(ranked, truth, truth_json, pkt_row):
    """``ranked``: per victim packet id, a list of causes (dicts with
    ``kind``, ``nf`` and ``flows`` as 5-tuples) in rank order.  Returns
    :class:`Ranks` for the victims attributed to an injected fault."""
    faults = {f['id']: f for f in truth_json['faults']}
    vf = truth['victim_fault']
    out = {k: [] for k in ('fault', 'kind', 'rank', 'strict', 't', 'hops')}
    names = list(truth['nf_names'])
    for pkt, causes in ranked.items():
        row = pkt_row[pkt]
        if row < 0 or vf[row] < 0:
            continue
        f = faults[int(vf[row])]
        target = f.get('nf') if f['kind'] != 'burst' else None
        flows = _fault_flows(f)
        rank = strict = NOT_FOUND
        for r, c in enumerate(causes, 1):
            if f['kind'] == 'burst':
                hit = c['kind'] == 'source'
            else:
                hit = c['kind'] in ('nf', 'nf_flows') and c['nf'] == target
            if hit and rank == NOT_FOUND:
                rank = r
            if hit and strict == NOT_FOUND and (
                    flows is None or flows & set(c.get('flows', ()))):
                strict = r
            if strict != NOT_FOUND:
                break
        out['fault'].append(f['id'])
        out['kind'].append(f['kind'])
        out['rank'].append(rank)
        out['strict'].append(strict)
        out['t'].append(int(truth['t_src_ns'][row]))
        path = truth['path'][row]
        vh = int(truth['victim_hop'][row])
        if target is not None and target in names and names.index(target) in path:
            fh = int(np.flatnonzero(path == names.index(target))[0])
        else:
            fh = -1
        out['hops'].append(vh - fh if vh >= 0 else 0)
    return Ranks(fault=np.array(out['fault'], dtype=np.int64),
                 kind=np.array(out['kind'], dtype=object),
                 rank=np.array(out['rank'], dtype=np.int64),
                 rank_strict=np.array(out['strict'], dtype=np.int64),
                 t_ns=np.array(out['t'], dtype=np.int64),
                 hops=np.array(out['hops'], dtype=np.int64))


def microscope_ranked(result, top_flows=3):
    """Per victim packet id: its causes over all its victim hops, ranked."""
    from microscope_plugin.diagnosis.flows import relation_flows
    from microscope_plugin.diagnosis.result import CAUSE_KINDS
    C = result.causes()
    V = result.victims
    A = result.arrays
    fl, _, _ = relation_flows(result.rel_ints[C.best_rel], A, top_flows)
    pk = V.pkt[C.victim]
    key = {}
    for i in range(len(C.score)):
        k = (int(pk[i]), int(C.kind[i]), int(C.culprit[i]))
        e = key.setdefault(k, [0.0, set()])
        e[0] += float(C.score[i])
        for f in fl[i]:
            if f >= 0:
                e[1].add((int(A.flows['src'][f]), int(A.flows['dst'][f]),
                          int(A.flows['sport'][f]), int(A.flows['dport'][f]),
                          int(A.flows['proto'][f])))
    per = {}
    for (p, kind, cul), (score, flows) in key.items():
        per.setdefault(p, []).append(
            (score, {'kind': CAUSE_KINDS[kind],
                     'nf': result.names[cul] if cul >= 0 else 'unknown source',
                     'flows': flows}))
    return {p: [c for _, c in sorted(v, key=lambda x: -x[0])]
            for p, v in per.items()}
