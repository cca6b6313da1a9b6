"""Flat arrays the diagnosis kernels work on, built once per trace.

Everything is a column: hop rows sorted by (NF, arrival); per NF its read
bursts and the times its queue was seen drained; per packet the hop row at
each position of its path.  Built with numpy from a reconstructed
:class:`~microscope_plugin.trace.reconstruct.Trace`.
"""
import dataclasses

import numpy as np

from microscope_plugin.diagnosis.params import QUEUING_BURST
from microscope_plugin.diagnosis.rates import peak_rates


@dataclasses.dataclass
class EngineArrays:
    # hop rows, sorted by (nf, arrival), as in the trace
    arr: np.ndarray
    read: np.ndarray
    dep: np.ndarray
    pkt: np.ndarray
    nf: np.ndarray
    acc_cum: np.ndarray     # accepted arrivals of the row's NF up to the row
    pos: np.ndarray         # position of the hop on its packet's path
    nf_start: np.ndarray
    # reads per NF
    rb_t: np.ndarray
    rb_cum: np.ndarray      # packets read by this burst, inclusive
    rb_start: np.ndarray
    # times the queue was drained (burst below max, or length <= threshold)
    drain_t: np.ndarray
    drain_start: np.ndarray
    # per packet
    p_row: np.ndarray       # (n_packets, H) hop row per path position, -1
    p_len: np.ndarray
    p_entry_t: np.ndarray   # left its source (entry tap), -1 if unknown
    p_entry_nf: np.ndarray
    p_flow: np.ndarray      # flow id (distinct 5-tuples), -1 if unknown
    flows: dict             # flow id -> 5-tuple columns
    rate_pns: np.ndarray    # r_i per NF, packets per ns
    rates_pps: dict         # r_i per NF name, and where it came from


def _per_nf_cumsum(values, starts):
    c = np.cumsum(values, dtype=np.int64)
    base = np.concatenate(([0], c))[starts[:-1]]
    counts = np.diff(starts)
    return c - np.repeat(base, counts)


def build(trace, params):
    n_nf = len(trace.names)
    acc = trace.hop_read >= 0
    acc_cum = _per_nf_cumsum(acc.astype(np.int64), trace.nf_start)
    # per packet path positions
    order = np.lexsort((trace.hop_arr, trace.hop_pkt))
    pk = trace.hop_pkt[order]
    first = np.ones(len(pk), dtype=bool)
    first[1:] = pk[1:] != pk[:-1]
    start = np.flatnonzero(first)
    grp = np.cumsum(first) - 1
    pos_sorted = np.arange(len(pk)) - start[grp]
    pos = np.empty(len(pk), dtype=np.int64)
    pos[order] = pos_sorted
    H = int(pos.max()) + 1 if len(pos) else 1
    p_row = np.full((trace.n_packets, H), -1, dtype=np.int64)
    p_row[pk, pos_sorted] = order
    p_len = np.bincount(pk, minlength=trace.n_packets).astype(np.int64)
    # reads and drains per NF
    rb_t, rb_cum, drains = [], [], []
    rb_start = np.zeros(n_nf + 1, dtype=np.int64)
    drain_start = np.zeros(n_nf + 1, dtype=np.int64)
    for k, v in enumerate(trace.views):
        if v is None or v.role != 'nf':
            t = np.zeros(0, np.int64)
            c = np.zeros(0, np.int64)
            d = np.zeros(0, np.int64)
        else:
            t = v.rxb_t.astype(np.int64)
            c = np.cumsum(v.rxb_n)
            if params.queuing == QUEUING_BURST:
                d = t[v.rxb_n < v.rxb_max]
            else:
                s = trace.nf_hops(k)
                acc_arr = np.sort(trace.hop_arr[s][acc[s]])
                q_after = np.searchsorted(acc_arr, t, side='right') - c
                d = t[q_after <= params.queue_threshold]
        rb_t.append(t)
        rb_cum.append(c)
        drains.append(d)
        rb_start[k + 1] = rb_start[k] + len(t)
        drain_start[k + 1] = drain_start[k] + len(d)
    # flows
    has = trace.pkt_has_tuple
    key = np.stack([trace.pkt_src.astype(np.int64), trace.pkt_dst.astype(np.int64),
                    trace.pkt_sport.astype(np.int64), trace.pkt_dport.astype(np.int64),
                    trace.pkt_proto.astype(np.int64)], axis=1)
    p_flow = np.full(trace.n_packets, -1, dtype=np.int64)
    flows = {f: np.zeros(0, np.int64) for f in ('src', 'dst', 'sport', 'dport', 'proto')}
    if has.any():
        uniq, inv = np.unique(key[has], axis=0, return_inverse=True)
        p_flow[has] = inv.ravel()
        flows = {f: uniq[:, i] for i, f in enumerate(('src', 'dst', 'sport',
                                                       'dport', 'proto'))}
    rates = peak_rates(trace, params)
    rate_pns = np.array([rates.get(n, (0.0, ''))[0] / 1e9 for n in trace.names])
    return EngineArrays(
        arr=trace.hop_arr, read=trace.hop_read, dep=trace.hop_dep,
        pkt=trace.hop_pkt.astype(np.int64), nf=trace.hop_nf.astype(np.int64),
        acc_cum=acc_cum, pos=pos, nf_start=trace.nf_start.astype(np.int64),
        rb_t=np.concatenate(rb_t) if rb_t else np.zeros(0, np.int64),
        rb_cum=np.concatenate(rb_cum) if rb_cum else np.zeros(0, np.int64),
        rb_start=rb_start,
        drain_t=np.concatenate(drains) if drains else np.zeros(0, np.int64),
        drain_start=drain_start, p_row=p_row, p_len=p_len,
        p_entry_t=trace.pkt_entry_t.astype(np.int64),
        p_entry_nf=trace.pkt_entry.astype(np.int64), p_flow=p_flow,
        flows=flows, rate_pns=rate_pns, rates_pps=rates)
