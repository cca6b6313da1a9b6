"""Component states per time window for NetMedic, from a trace.

NetMedic's components here are the topology's nodes: NF instances and
traffic sources (§6.1).  Every variable is derived from what the
collectors record (rx/tx bursts and packet ids), so this works on any
trace in the record format:

NF instance, per window (rates in packets/s over the part of the window
the trace covers):

* ``in_rate``     packets arriving at its input queue
* ``proc_rate``   packets it read from the queue
* ``drop_rate``   arrivals dropped at a full queue
* ``queue``       largest queue length seen by an arrival (packets)
* ``delay``       mean local delay, arrival to departure, of the window's
                  arrivals (ns)
* ``proc_time``   mean processing time per packet of the bursts it read
                  (burst read to departure, over the burst size; ns)
* ``busy``        fraction of the window spent processing bursts (the CPU
                  usage of a poll-mode NF that is not idling)

Traffic source: ``send_rate`` (packets/s entering the NF graph from it),
``flows`` (distinct 5-tuples active) and ``top_flow`` (packets/s of its
largest flow).  A source without an entry tap is seen through the first
hops of the packets whose entry is unknown, at its downstream NFs.
"""
import dataclasses

import numpy as np

from microscope_plugin import topology as topo

NF_VARIABLES = ('in_rate', 'proc_rate', 'drop_rate', 'queue', 'delay',
                'proc_time', 'busy')
SOURCE_VARIABLES = ('send_rate', 'flows', 'top_flow')


@dataclasses.dataclass
class ComponentStates:
    names: list
    is_source: np.ndarray       # per component
    X: np.ndarray               # (C, W, V) values; unused columns are 0
    nvar: np.ndarray            # variables used per component
    t0: int                     # start of window 0 (ns)
    window_ns: int

    @property
    def n_windows(self):
        return self.X.shape[1]

    def window_of(self, t_ns):
        w = (np.asarray(t_ns, dtype=np.int64) - self.t0) // self.window_ns
        return np.clip(w, 0, self.n_windows - 1)

    def variables(self, c):
        return SOURCE_VARIABLES if self.is_source[c] else NF_VARIABLES


def _bins(t, t0, w, W):
    return np.clip((t - t0) // w, 0, W - 1)


def _coverage(t0, t_end, w, W):
    """Seconds of each window inside [t0, t_end)."""
    lo = t0 + np.arange(W, dtype=np.int64) * w
    hi = np.minimum(lo + w, t_end)
    return np.maximum(hi - lo, 1) / 1e9


def _nf_state(A, k, t0, w, W, cover):
    s, e = int(A.nf_start[k]), int(A.nf_start[k + 1])
    out = np.zeros((W, len(NF_VARIABLES)))
    if e <= s:
        return out
    arr, read, dep = A.arr[s:e], A.read[s:e], A.dep[s:e]
    wa = _bins(arr, t0, w, W)
    ok = read >= 0
    out[:, 0] = np.bincount(wa, minlength=W) / cover
    out[:, 1] = np.bincount(_bins(read[ok], t0, w, W), minlength=W) / cover
    out[:, 2] = np.bincount(wa[~ok], minlength=W) / cover
    # queue at each arrival: accepted arrivals so far minus reads so far
    reads = np.sort(read[ok])
    q = A.acc_cum[s:e] - np.searchsorted(reads, arr, side='right')
    starts = np.searchsorted(wa, np.arange(W))        # arr is sorted
    has = np.diff(np.append(starts, len(wa))) > 0
    qmax = np.zeros(W)
    if has.any():
        qmax[has] = np.maximum.reduceat(q, starts[has])
    out[:, 3] = qmax
    done = dep >= 0
    n = np.bincount(wa[done], minlength=W)
    tot = np.bincount(wa[done], weights=(dep - arr)[done].astype(float),
                      minlength=W)
    out[:, 4] = np.where(n > 0, tot / np.maximum(n, 1), 0.0)
    rs, re = int(A.rb_start[k]), int(A.rb_start[k + 1])
    if re > rs:
        bt = A.rb_t[rs:re]
        size = np.diff(np.concatenate(([0], A.rb_cum[rs:re])))
        dur = A.rb_dur[rs:re].astype(float)
        wb = _bins(bt, t0, w, W)
        bsize = np.bincount(wb, weights=size, minlength=W)
        bdur = np.bincount(wb, weights=dur, minlength=W)
        out[:, 5] = np.where(bsize > 0, bdur / np.maximum(bsize, 1), 0.0)
        out[:, 6] = bdur / (cover * 1e9)
    return out


def _source_state(trace, A, k, t0, w, W, cover):
    pk = np.flatnonzero(trace.pkt_entry == k)
    if pk.size:
        t = trace.pkt_entry_t[pk]
    else:
        downs = [trace.names.index(d) for d in trace.topology.downstream(trace.names[k])]
        first = A.p_row[:, 0]
        cand = np.flatnonzero((trace.pkt_entry < 0) & (first >= 0))
        cand = cand[np.isin(A.nf[first[cand]], downs)]
        pk, t = cand, A.arr[first[cand]]
    out = np.zeros((W, len(SOURCE_VARIABLES)))
    if not pk.size:
        return out
    wt = _bins(t, t0, w, W)
    out[:, 0] = np.bincount(wt, minlength=W) / cover
    fl = A.p_flow[pk]
    known = fl >= 0
    key = wt[known] * (int(fl.max()) + 2) + fl[known]
    uk, cnt = np.unique(key, return_counts=True)
    uw = uk // (int(fl.max()) + 2)
    out[:, 1] = np.bincount(uw, minlength=W)
    top = np.zeros(W)
    np.maximum.at(top, uw, cnt)
    out[:, 2] = top / cover
    return out


def component_states(trace, A, window_ns):
    """:class:`ComponentStates` of every topology node, per window of
    ``window_ns`` from the first observed time.  ``A``: the engine arrays
    (:func:`microscope_plugin.diagnosis.state.build`)."""
    if window_ns <= 0:
        raise ValueError('window_ns must be positive, got %r' % (window_ns,))
    times = [A.arr[A.arr >= 0]]
    if (trace.pkt_entry_t >= 0).any():
        times.append(trace.pkt_entry_t[trace.pkt_entry_t >= 0])
    allt = np.concatenate(times)
    t0 = int(allt.min()) if allt.size else 0
    t_end = int(max(allt.max(), A.dep.max() if len(A.dep) else 0)) + 1 \
        if allt.size else 1
    W = max(1, -(-(t_end - t0) // int(window_ns)))
    cover = _coverage(t0, t_end, int(window_ns), W)
    names = trace.names
    C = len(names)
    V = max(len(NF_VARIABLES), len(SOURCE_VARIABLES))
    X = np.zeros((C, W, V))
    nvar = np.zeros(C, dtype=np.int64)
    is_src = np.zeros(C, dtype=bool)
    for k, nf in enumerate(trace.topology.nfs):
        if nf.role == topo.ROLE_SOURCE:
            is_src[k] = True
            nvar[k] = len(SOURCE_VARIABLES)
            X[k, :, :nvar[k]] = _source_state(trace, A, k, t0, int(window_ns), W,
                                              cover)
        else:
            nvar[k] = len(NF_VARIABLES)
            X[k, :, :nvar[k]] = _nf_state(A, k, t0, int(window_ns), W, cover)
    return ComponentStates(names=list(names), is_source=is_src, X=X, nvar=nvar,
                           t0=t0, window_ns=int(window_ns))
