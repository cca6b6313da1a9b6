"""Victim selection (§4.1, §5, §7).

A victim is a packet with bad performance — long end-to-end latency, loss,
a flow whose throughput collapsed — and the NFs where it is diagnosed are
the hops where its local latency was abnormal: beyond the mean plus
``abnormal_sigma`` standard deviations of that NF's local latency over the
recent history (§4.1, as in NetMedic).  If no hop stands out, the hop
where it waited longest is used.  Lost packets are diagnosed where they
were dropped.  §7's in-NF delay victims are hops whose processing inside
the NF (departure - read) was abnormal.
"""
import dataclasses

import numpy as np

KIND_LATENCY = 0
KIND_LOSS = 1
KIND_THROUGHPUT = 2
KIND_IN_NF = 3
KIND_NAMES = ('latency', 'loss', 'throughput', 'in_nf_delay')


@dataclasses.dataclass
class Victims:
    """One row per (victim packet, NF where it is diagnosed)."""

    row: np.ndarray         # hop row diagnosed
    pkt: np.ndarray
    nf: np.ndarray
    kind: np.ndarray
    latency_ns: np.ndarray  # end-to-end (-1 if lost)
    t_ns: np.ndarray        # arrival at the NF
    threshold_ns: int = 0   # the latency threshold that was applied

    def __len__(self):
        return len(self.row)


def packet_latency(trace, A):
    """(entry time, exit time or -1) per packet."""
    n = trace.n_packets
    first = A.p_row[:, 0]
    start = np.where(A.p_entry_t >= 0, A.p_entry_t,
                     np.where(first >= 0, A.arr[np.maximum(first, 0)], -1))
    last = A.p_row[np.arange(n), np.maximum(A.p_len - 1, 0)]
    end = np.where(A.p_len > 0, A.dep[np.maximum(last, 0)], -1)
    end = np.where((A.p_len > 0) & (A.read[np.maximum(last, 0)] < 0), -1, end)
    return start, end


def local_abnormal(A, rows, history_ns, sigma):
    """True where the local latency of hop ``rows`` exceeds its NF's
    mean + sigma * std over the previous ``history_ns``."""
    out = np.zeros(len(rows), dtype=bool)
    local = np.where((A.read >= 0) & (A.dep >= 0), A.dep - A.arr, -1)
    for k in np.unique(A.nf[rows]):
        s, e = A.nf_start[k], A.nf_start[k + 1]
        arr = A.arr[s:e]
        lat = local[s:e].astype(np.float64)
        ok = lat >= 0
        c1 = np.concatenate(([0.0], np.cumsum(np.where(ok, lat, 0.0))))
        c2 = np.concatenate(([0.0], np.cumsum(np.where(ok, lat * lat, 0.0))))
        cn = np.concatenate(([0], np.cumsum(ok)))
        sel = np.flatnonzero(A.nf[rows] == k)
        r = rows[sel] - s
        lo = np.searchsorted(arr, arr[r] - history_ns)
        cnt = np.maximum(cn[r] - cn[lo], 1)
        mean = (c1[r] - c1[lo]) / cnt
        var = np.maximum((c2[r] - c2[lo]) / cnt - mean * mean, 0.0)
        out[sel] = (lat[r] > mean + sigma * np.sqrt(var)) & (cn[r] - cn[lo] > 1)
    return out


def select(trace, A, params):
    """Return :class:`Victims` for the params' time range and criteria."""
    crit = params.victims
    start, end = packet_latency(trace, A)
    t_lo = params.start_ns if params.start_ns is not None else np.iinfo(np.int64).min
    t_hi = params.end_ns if params.end_ns is not None else np.iinfo(np.int64).max
    in_range = (start >= t_lo) & (start < t_hi) & (start >= 0)
    done = in_range & (end >= 0)
    lat = np.where(done, end - start, -1)
    if crit.latency_threshold_ns is not None:
        thr = crit.latency_threshold_ns
    elif done.any():
        thr = int(np.percentile(lat[done], crit.latency_percentile))
    else:
        thr = 0
    vpk = np.flatnonzero(done & (lat >= thr) & (lat > 0)) if done.any() \
        else np.zeros(0, np.int64)
    kinds = [np.full(len(vpk), KIND_LATENCY)]
    pkts = [vpk]
    if crit.throughput_threshold_pps is not None:
        tp = _throughput_victims(A, start, end, in_range, crit)
        tp = np.setdiff1d(tp, vpk)
        pkts.append(tp)
        kinds.append(np.full(len(tp), KIND_THROUGHPUT))
    vpk = np.concatenate(pkts)
    vkind = np.concatenate(kinds)
    # hops of these packets, and where they were abnormal
    H = A.p_row.shape[1]
    rows = A.p_row[vpk].ravel()
    owner = np.repeat(np.arange(len(vpk)), H)
    ok = rows >= 0
    rows, owner = rows[ok], owner[ok]
    ab = local_abnormal(A, rows, params.history_ns, params.abnormal_sigma)
    has_ab = np.zeros(len(vpk), dtype=bool)
    has_ab[owner[ab]] = True
    local = np.where(A.dep[rows] >= 0, A.dep[rows] - A.arr[rows], 0)
    worst = np.full(len(vpk), -1, dtype=np.int64)
    order = np.lexsort((local, owner))
    worst[owner[order]] = rows[order]      # last write = largest local latency
    pick_rows = np.concatenate([rows[ab], worst[~has_ab]])
    pick_owner = np.concatenate([owner[ab], np.flatnonzero(~has_ab)])
    out_rows = [pick_rows]
    out_kind = [vkind[pick_owner]]
    out_lat = [lat[vpk[pick_owner]]]
    if crit.include_lost:
        lost = np.flatnonzero((A.read < 0))
        lost = lost[in_range[A.pkt[lost]]]
        out_rows.append(lost)
        out_kind.append(np.full(len(lost), KIND_LOSS))
        out_lat.append(np.full(len(lost), -1))
    if crit.in_nf_delay_sigma > 0:
        r = _in_nf_victims(A, in_range, crit.in_nf_delay_sigma)
        out_rows.append(r)
        out_kind.append(np.full(len(r), KIND_IN_NF))
        out_lat.append(lat[A.pkt[r]])
    row = np.concatenate(out_rows).astype(np.int64)
    kind = np.concatenate(out_kind).astype(np.int8)
    latency = np.concatenate(out_lat).astype(np.int64)
    order = np.lexsort((kind, A.arr[row]))
    row, kind, latency = row[order], kind[order], latency[order]
    if crit.max_victims is not None and len(row) > crit.max_victims:
        keep = np.linspace(0, len(row) - 1, crit.max_victims).astype(np.int64)
        row, kind, latency = row[keep], kind[keep], latency[keep]
    return Victims(row=row, pkt=A.pkt[row], nf=A.nf[row], kind=kind,
                   latency_ns=latency, t_ns=A.arr[row], threshold_ns=int(thr))


def _throughput_victims(A, start, end, in_range, crit):
    """Packets of (flow, window) pairs whose rate out of the NF graph fell
    below the threshold while they entered at or above it."""
    w = crit.throughput_window_ns
    ok = in_range & (A.p_flow >= 0)
    pk = np.flatnonzero(ok)
    if not pk.size:
        return pk
    win_in = start[pk] // w
    fl = A.p_flow[pk]
    key_in = fl * (1 << 24) + (win_in - win_in.min())
    done = end[pk] >= 0
    win_out = np.where(done, end[pk] // w, -1)
    key_out = fl * (1 << 24) + (win_out - win_in.min())
    uk, cin = np.unique(key_in, return_counts=True)
    uo, cout = np.unique(key_out[done], return_counts=True)
    out_at = np.searchsorted(uo, uk)
    cnt_out = np.where((out_at < len(uo)) & (uo[np.minimum(out_at, len(uo) - 1)] == uk),
                       cout[np.minimum(out_at, len(uo) - 1)], 0)
    need = crit.throughput_threshold_pps * w / 1e9
    bad = uk[(cin >= need) & (cnt_out < need)]
    return pk[np.isin(key_in, bad)]


def _in_nf_victims(A, in_range, sigma):
    """Hops whose time inside the NF (departure - read) is abnormal."""
    d = np.where((A.read >= 0) & (A.dep >= 0), A.dep - A.read, -1)
    out = []
    for k in range(len(A.nf_start) - 1):
        s, e = A.nf_start[k], A.nf_start[k + 1]
        x = d[s:e]
        ok = x >= 0
        if ok.sum() < 2:
            continue
        mu, sd = x[ok].mean(), x[ok].std()
        r = np.flatnonzero(ok & (x > mu + sigma * sd)) + s
        out.append(r[in_range[A.pkt[r]]])
    return np.concatenate(out) if out else np.zeros(0, np.int64)
