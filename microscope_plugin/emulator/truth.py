"""Ground truth: where every packet was, and which fault made it a victim.

Victims of injected faults are decided by a counterfactual: the same
scenario is run again without the injected faults (same traffic, same
per-packet service jitter, same natural stalls), and a natural packet is
a victim when its end-to-end latency grew by more than ``delta_ns`` or it
was lost only in the faulty run.  Faults are separated in time, so a
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
    last = np.full(len(t_src), np.nan)
    done = ~np.isnan(dep)
    has = done.any(axis=1)
    idx = dep.shape[1] - 1 - np.argmax(done[:, ::-1], axis=1)
    last[has] = dep[has, idx[has]]
    return last - t_src


def attribute(em, cf, delta_ns=10_000.0):
    """Compare the faulty run ``em`` with its counterfactual ``cf``."""
    n = len(em.traffic)
    natural = em.traffic.inj < 0
    rows = np.flatnonzero(natural)
    cf_rows = np.empty(len(cf.traffic), dtype=np.int64)
    cf_rows[cf.traffic.key] = np.arange(len(cf.traffic))
    crow = cf_rows[em.traffic.key[rows]]
    lat_em = _latency(em.dep, em.traffic.t_ns)[rows]
    lat_cf = _latency(cf.dep, cf.traffic.t_ns)[crow]
    lost_em = em.lost()[rows]
    lost_cf = cf.lost()[crow]
    extra = lat_em - lat_cf
    lost_only = (lost_em >= 0) & (lost_cf < 0)
    victim = lost_only | (extra > delta_ns)
    local_em = em.dep[rows] - em.arr[rows]
    local_cf = cf.dep[crow] - cf.arr[crow]
    growth = np.nan_to_num(local_em - local_cf, nan=-np.inf)
    first = np.argmax(growth > delta_ns / 2, axis=1)
    worst = np.argmax(growth, axis=1)
    hop = np.where(lost_only, lost_em, worst)
    when_hop = np.where(lost_only, lost_em,
                        np.where((growth > delta_ns / 2).any(axis=1), first, worst))
    when = np.where(lost_only, em.arr[rows, np.maximum(when_hop, 0)],
                    em.dep[rows, when_hop])
    starts = np.array([f.at_ns for f in em.faults])
    fault = np.full(len(rows), -1, dtype=np.int64)
    if len(starts):
        order = np.argsort(starts)
        k = np.searchsorted(starts[order], when, side='right') - 1
        ok = victim & (k >= 0)
        fault[ok] = np.array([em.faults[i].id for i in order])[k[ok]]
    out_f = np.full(n, -1, dtype=np.int64)
    out_h = np.full(n, -1, dtype=np.int64)
    out_x = np.full(n, np.nan)
    out_l = np.zeros(n, dtype=bool)
    out_f[rows] = fault
    out_h[rows[victim]] = hop[victim]
    out_x[rows] = extra
    out_l[rows] = lost_only
    return Truth(victim_fault=out_f, victim_hop=out_h, extra_ns=out_x,
                 lost_only_here=out_l, delta_ns=delta_ns)


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
