"""Ground truth: where every packet was, and which fault made it a victim.

Victims of injected faults are decided by a counterfactual: the same
scenario is run again without the injected faults (same traffic, same
per-packet service jitter, same natural stalls), and a natural packet is
a victim when its end-to-end latency grew by more than ``delta_ns`` or it
was lost only in the faulty run.  :func:`attribute_windowed` runs the
counterfactual only around each fault, :func:`attribute` over the whole
run; they agree for faults separated in time (tested).  Faults are separated in time, so a
victim is attributed to the latest fault that started before the packet
left the hop where it was first delayed (or was dropped).  Injected
packets themselves are culprits, not victims.
"""
import dataclasses
import json
import os

import numpy as np

from microscope_plugin.emulator.match import int_to_ip
from microscope_plugin.emulator.run import EPOCH_NS


@dataclasses.dataclass
class Truth:
    victim_fault: np.ndarray    # per packet row: fault id or -1
    victim_hop: np.ndarray      # hop where the extra delay was largest / drop
    extra_ns: np.ndarray        # latency growth vs the counterfactual (NaN)
    lost_only_here: np.ndarray  # lost in the faulty run only
    delta_ns: float

    def counts(self, n_faults):
        return np.bincount(self.victim_fault[self.victim_fault >= 0],
                           minlength=n_faults)


def _latency(dep, t_src):
    """End-to-end latency per packet (NaN when it never left)."""
    last = np.full(len(t_src), np.nan)
    done = ~np.isnan(dep)
    has = done.any(axis=1)
    idx = dep.shape[1] - 1 - np.argmax(done[:, ::-1], axis=1)
    last[has] = dep[has, idx[has]]
    return last - t_src


def _compare(em, rows, cf_arr, cf_dep, delta_ns):
    """Per faulty-run packet row, against its counterfactual hops
    (``cf_arr``/``cf_dep`` aligned with ``rows``): (fault id, hop, extra
    latency, lost only in the faulty run)."""
    t_src = em.traffic.t_ns[rows]
    lat_em = _latency(em.dep[rows], t_src)
    lat_cf = _latency(cf_dep, t_src)
    reached = ~np.isnan(em.arr[rows])
    lost_em = np.where((reached & np.isnan(em.dep[rows])).any(axis=1),
                       np.argmax(reached & np.isnan(em.dep[rows]), axis=1), -1)
    lost_cf = (~np.isnan(cf_arr) & np.isnan(cf_dep)).any(axis=1)
    extra = lat_em - lat_cf
    lost_only = (lost_em >= 0) & ~lost_cf
    victim = lost_only | (extra > delta_ns)
    growth = np.nan_to_num((em.dep[rows] - em.arr[rows]) - (cf_dep - cf_arr),
                           nan=-np.inf)
    grew = growth > delta_ns / 2
    worst = np.argmax(growth, axis=1)
    hop = np.where(lost_only, lost_em, worst)
    when_hop = np.where(lost_only, lost_em,
                        np.where(grew.any(axis=1), np.argmax(grew, axis=1), worst))
    when = np.where(lost_only, em.arr[rows, np.maximum(when_hop, 0)],
                    em.dep[rows, when_hop])
    starts = np.array([f.at_ns for f in em.faults])
    fault = np.full(len(rows), -1, dtype=np.int64)
    if len(starts):
        order = np.argsort(starts)
        k = np.searchsorted(starts[order], when, side='right') - 1
        ok = victim & (k >= 0)
        fault[ok] = np.array([em.faults[i].id for i in order])[k[ok]]
    return fault, np.where(victim, hop, -1), extra, lost_only


def _truth(em, rows, parts, delta_ns):
    n = len(em.traffic)
    out_f = np.full(n, -1, dtype=np.int64)
    out_h = np.full(n, -1, dtype=np.int64)
    out_x = np.full(n, np.nan)
    out_l = np.zeros(n, dtype=bool)
    out_f[rows], out_h[rows], out_x[rows], out_l[rows] = parts
    return Truth(victim_fault=out_f, victim_hop=out_h, extra_ns=out_x,
                 lost_only_here=out_l, delta_ns=delta_ns)


def attribute(em, cf, delta_ns=10_000.0):
    """Compare the faulty run ``em`` with a full counterfactual run ``cf``."""
    rows = np.flatnonzero(em.traffic.inj < 0)
    cf_rows = np.empty(len(cf.traffic), dtype=np.int64)
    cf_rows[cf.traffic.key] = np.arange(len(cf.traffic))
    crow = cf_rows[em.traffic.key[rows]]
    return _truth(em, rows, _compare(em, rows, cf.arr[crow], cf.dep[crow],
                                     delta_ns), delta_ns)


def attribute_windowed(em, delta_ns=10_000.0, warm_ns=20e6, window_ns=50e6,
                       tail_ns=2e6, margin_ns=5e6):
    """Counterfactual per fault, over a window only.

    Before a fault the two runs see the same traffic, so the counterfactual
    of fault f is simulated from ``warm_ns`` before it (queues at a moderate
    load forget their start within microseconds) to ``window_ns`` after
    it, without injected packets, interrupts or bugs.  Packets sent from
    ``margin_ns`` before the fault are compared.  A window is doubled, up
    to the next fault, until its last ``tail_ns`` show no difference —
    the fault's effect has died out.  Same result as a full counterfactual
    run for faults separated in time, for a fraction of the work.
    """
    from microscope_plugin.emulator.routing import Router
    from microscope_plugin.emulator.run import simulate
    sc = em.scenario
    tr = em.traffic
    natural = np.flatnonzero(tr.inj < 0)
    t_nat = tr.t_ns[natural]
    router = Router(sc)
    end = sc.duration_s * 1e9
    starts = sorted({f.at_ns for f in em.faults})
    rows_all, parts_all = [], []
    for i, at in enumerate(starts):
        limit = starts[i + 1] - margin_ns if i + 1 < len(starts) else end
        w = window_ns
        while True:
            we = min(at + w, limit)
            lo = np.searchsorted(t_nat, at - warm_ns)
            hi = np.searchsorted(t_nat, we)
            sub_rows = natural[lo:hi]
            sub = tr.take(sub_rows)
            _, _, arr, _, dep, _, _ = simulate(sc, sub, [], router,
                                               em.natural_stalls, False)
            keep = t_nat[lo:hi] >= at - margin_ns
            rows = sub_rows[keep]
            parts = _compare(em, rows, arr[keep], dep[keep], delta_ns)
            tail = tr.t_ns[rows] >= we - tail_ns
            settled = not ((np.nan_to_num(parts[2][tail]) > delta_ns).any()
                           or parts[3][tail].any())
            if settled or we >= limit:
                break
            w *= 2
        rows_all.append(rows)
        parts_all.append(parts)
    if not rows_all:
        return _truth(em, np.zeros(0, np.int64), (np.zeros(0, np.int64),) * 2
                      + (np.zeros(0), np.zeros(0, bool)), delta_ns)
    rows = np.concatenate(rows_all)
    parts = tuple(np.concatenate([p[k] for p in parts_all]) for k in range(4))
    # a packet in two windows belongs to the later one (the latest fault)
    last = np.unique(rows[::-1], return_index=True)[1]
    keep = len(rows) - 1 - last
    return _truth(em, rows[keep], tuple(p[keep] for p in parts), delta_ns)


def _abs(t):
    out = np.full(np.shape(t), -1, dtype=np.int64)
    ok = ~np.isnan(t)
    out[ok] = np.rint(t[ok]).astype(np.int64) + EPOCH_NS
    return out


def fault_summary(em, truth=None):
    """JSON-friendly description of each fault: what, where, when, culprits."""
    tr = em.traffic
    counts = truth.counts(len(em.faults)) if truth is not None else None
    out = []
    for f in em.faults:
        d = {'id': f.id, 'kind': f.kind, 'start_ns': int(f.at_ns) + EPOCH_NS}
        pk = np.flatnonzero(tr.inj == f.id)
        if f.kind == 'interrupt':
            d.update(nf=f.nf, end_ns=int(f.at_ns + f.duration_ns) + EPOCH_NS,
                     duration_us=f.duration_ns / 1e3)
        else:
            d['packets'] = int(pk.size)
            if pk.size:
                i = pk[0]
                d['flow'] = {'src': int_to_ip(tr.src[i]), 'dst': int_to_ip(tr.dst[i]),
                             'sport': int(tr.sport[i]), 'dport': int(tr.dport[i]),
                             'proto': int(tr.proto[i])}
                d['end_ns'] = int(tr.t_ns[pk[-1]]) + EPOCH_NS
                _, first = np.unique(tr.flow[pk], return_index=True)
                d['flows'] = [{'src': int_to_ip(tr.src[i]), 'dst': int_to_ip(tr.dst[i]),
                               'sport': int(tr.sport[i]), 'dport': int(tr.dport[i]),
                               'proto': int(tr.proto[i])} for i in pk[np.sort(first)]]
            if f.kind == 'burst':
                d['source'] = f.source
                d['rate_mpps'] = f.rate_pps / 1e6
            else:
                d['nf'] = f.nf
                d['slow_rate_mpps'] = f.slow_rate_pps / 1e6
        if counts is not None:
            d['victims'] = int(counts[f.id])
        out.append(d)
    return out


def write_truth(em, truth, out_dir):
    """``truth.npz`` (per packet and per hop arrays) and ``truth.json``."""
    tr = em.traffic
    names = em.instances
    tap_index = np.zeros(len(tr), dtype=np.int64)
    for k in range(len(em.scenario.sources)):
        sel = tr.source == k
        tap_index[sel] = np.arange(int(sel.sum()))
    arrays = dict(
        nf_names=np.array(names), key=tr.key, t_src_ns=_abs(tr.t_ns),
        src=tr.src, dst=tr.dst, sport=tr.sport, dport=tr.dport,
        proto=tr.proto, ipid=tr.ipid, source=tr.source, tap_index=tap_index,
        injected_by=tr.inj, path=em.path, arr_ns=_abs(em.arr),
        read_ns=_abs(em.read), dep_ns=_abs(em.dep), lost_hop=em.lost())
    for name, rows in em.record_rows.items():
        arrays['records/' + name] = rows.astype(np.int32)
    if truth is not None:
        arrays.update(victim_fault=truth.victim_fault,
                      victim_hop=truth.victim_hop, extra_ns=truth.extra_ns)
    np.savez(os.path.join(out_dir, 'truth.npz'), **arrays)
    summary = {
        'scenario': em.scenario.name, 'epoch_ns': EPOCH_NS,
        'duration_s': em.scenario.duration_s, 'packets': int(len(tr)),
        'lost': int((em.lost() >= 0).sum()),
        'victim_delta_ns': None if truth is None else truth.delta_ns,
        'faults': fault_summary(em, truth),
        'natural_stalls': {n: int(len(s[0])) for n, s in em.natural_stalls.items()},
    }
    with open(os.path.join(out_dir, 'truth.json'), 'w') as fh:
        json.dump(summary, fh, indent=2)
    return summary
