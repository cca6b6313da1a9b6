"""Flat arrays the diagnosis kernels work on, built once per trace.

Everything is a column: hop rows sorted by (NF, arrival); per NF its read
bursts and the times its queue was seen drained; per packet the hop row at
each position of its path.  Built with numpy from a reconstructed
:class:`~microscope_plugin.trace.reconstruct.Trace`.
"""
import dataclasses

import numpy as np

from microscope_plugin.diagnosis.params import QUEUING_BURST, QUEUING_LENGTH
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
    rb_dur: np.ndarray      # time from the read to the burst's last departure
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
    p_ipid: np.ndarray
    flows: dict             # flow id -> 5-tuple columns
    rate_pns: np.ndarray    # r_i per NF, packets per ns
    rates_pps: dict         # r_i per NF name, and where it came from
    queuing: dict           # queuing-period mode used per NF name


def _per_nf_cumsum(values, starts):
    c = np.cumsum(values, dtype=np.int64)
    base = np.concatenate(([0], c))[starts[:-1]]
    counts = np.diff(starts)
    return c - np.repeat(base, counts)


def _burst_durations(trace, s, rb_t):
    """Per rx burst: last departure of its packets minus its read time
    (0 where none of its packets left)."""
    read, dep = trace.hop_read[s], trace.hop_dep[s]
    ok = (read >= 0) & (dep >= read)
    b = np.searchsorted(rb_t, read[ok])
    dur = np.zeros(len(rb_t), dtype=np.int64)
    np.maximum.at(dur, np.minimum(b, max(len(rb_t) - 1, 0)), dep[ok] - read[ok])
    return dur


FLOW_FIELDS = ('src', 'dst', 'sport', 'dport', 'proto')


def _flows(trace):
    """Flow id per packet (distinct 5-tuples; -1 where unknown)."""
    has = np.flatnonzero(trace.pkt_has_tuple)
    p_flow = np.full(trace.n_packets, -1, dtype=np.int64)
    if not has.size:
        return p_flow, {f: np.zeros(0, np.int64) for f in FLOW_FIELDS}
    k1 = (trace.pkt_src[has].astype(np.uint64) << np.uint64(32)) \
        | trace.pkt_dst[has].astype(np.uint64)
    k2 = (trace.pkt_sport[has].astype(np.uint64) << np.uint64(24)) \
        | (trace.pkt_dport[has].astype(np.uint64) << np.uint64(8)) \
        | trace.pkt_proto[has].astype(np.uint64)
    order = np.lexsort((k2, k1))
    new = np.ones(has.size, dtype=bool)
    new[1:] = (k1[order][1:] != k1[order][:-1]) | (k2[order][1:] != k2[order][:-1])
    fid = np.cumsum(new) - 1
    p_flow[has[order]] = fid
    rep = has[order[new]]
    flows = {f: getattr(trace, 'pkt_' + f)[rep].astype(np.int64) for f in FLOW_FIELDS}
    return p_flow, flows


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
    rb_t, rb_cum, rb_dur, drains = [], [], [], []
    modes = {}
    rb_start = np.zeros(n_nf + 1, dtype=np.int64)
    drain_start = np.zeros(n_nf + 1, dtype=np.int64)
    for k, v in enumerate(trace.views):
        if v is None or v.role != 'nf':
            t = np.zeros(0, np.int64)
            c = np.zeros(0, np.int64)
            d = np.zeros(0, np.int64)
            dur = np.zeros(0, np.int64)
        else:
            t = v.rxb_t.astype(np.int64)
            c = np.cumsum(v.rxb_n)
            s = trace.nf_hops(k)
            mode = params.queuing
            if mode not in (QUEUING_BURST, QUEUING_LENGTH):
                known = trace.hop_arr_known[s]
                mode = QUEUING_LENGTH if known.size and known.mean() >= 0.99 \
                    else QUEUING_BURST
            modes[trace.names[k]] = mode
            dur = _burst_durations(trace, s, t)
            if mode == QUEUING_BURST:
                d = t[v.rxb_n < v.rxb_max]
            else:
                # packets in the NF (queue + the burst in hand) when a burst
                # is sent: empty means the NF goes idle
                done = t + dur
                acc_arr = np.sort(trace.hop_arr[s][acc[s]])
                in_nf = np.searchsorted(acc_arr, done, side='right') - c
                d = np.maximum.accumulate(done[in_nf <= params.queue_threshold]) \
                    if len(done) else done
        rb_t.append(t)
        rb_cum.append(c)
        rb_dur.append(dur)
        drains.append(d)
        rb_start[k + 1] = rb_start[k] + len(t)
        drain_start[k + 1] = drain_start[k] + len(d)
    p_flow, flows = _flows(trace)
    rates = peak_rates(trace, params)
    rate_pns = np.array([rates.get(n, (0.0, ''))[0] / 1e9 for n in trace.names])
    return EngineArrays(
        arr=trace.hop_arr, read=trace.hop_read, dep=trace.hop_dep,
        pkt=trace.hop_pkt.astype(np.int64), nf=trace.hop_nf.astype(np.int64),
        acc_cum=acc_cum, pos=pos, nf_start=trace.nf_start.astype(np.int64),
        rb_t=np.concatenate(rb_t) if rb_t else np.zeros(0, np.int64),
        rb_cum=np.concatenate(rb_cum) if rb_cum else np.zeros(0, np.int64),
        rb_dur=np.concatenate(rb_dur) if rb_dur else np.zeros(0, np.int64),
        rb_start=rb_start,
        drain_t=np.concatenate(drains) if drains else np.zeros(0, np.int64),
        drain_start=drain_start, p_row=p_row, p_len=p_len,
        p_entry_t=trace.pkt_entry_t.astype(np.int64),
        p_entry_nf=trace.pkt_entry.astype(np.int64), p_flow=p_flow,
        p_ipid=trace.pkt_ipid,
        flows=flows, rate_pns=rate_pns, rates_pps=rates, queuing=modes)
