"""The DPDK poll loop of one NF instance, as a compiled sequential kernel.

Model (docs/emulator.md): a bounded input queue (``capacity`` packets,
arrivals to a full queue are dropped); the NF polls it, reads a burst of up
to ``max_burst`` packets (an empty poll yields no burst, a burst below
``max_burst`` means the queue drained), processes each packet for its
service time, then writes the whole burst to the next hop(s).  Stalls
(interrupts) stop the NF's clock: no poll and no processing happen inside
one.  The loop is genuinely sequential, so it is compiled with numba.
"""
import numpy as np
from numba import njit


@njit(cache=True)
def _skip(t, st, en, k):
    """Move ``t`` out of any stall; ``k`` is the first stall not yet over."""
    while k < len(st) and en[k] <= t:
        k += 1
    if k < len(st) and st[k] <= t:
        t = en[k]
        k += 1
        while k < len(st) and st[k] <= t:
            if en[k] > t:
                t = en[k]
            k += 1
    return t, k


@njit(cache=True)
def _advance(t, work, st, en, k):
    """Spend ``work`` ns of processing from ``t``, pausing during stalls."""
    t, k = _skip(t, st, en, k)
    while True:
        if k >= len(st) or t + work <= st[k]:
            return t + work, k
        work -= st[k] - t
        t = en[k]
        k += 1
        t, k = _skip(t, st, en, k)


@njit(cache=True)
def poll_loop(arr, svc, stall_start, stall_end, capacity, max_burst, poll_ns):
    """Simulate one NF over packets arriving at sorted times ``arr``.

    Returns ``read``/``dep`` per packet (NaN when dropped at the queue),
    ``burst`` per packet (-1 when dropped), and the rx burst times and
    sizes (the tx time of burst b equals ``dep`` of its packets).
    """
    n = len(arr)
    read = np.full(n, np.nan)
    dep = np.full(n, np.nan)
    burst = np.full(n, -1, np.int64)
    rx_t = np.empty(n, np.float64)
    rx_n = np.empty(n, np.int64)
    queue = np.empty(n, np.int64)
    qhead = 0
    qtail = 0
    nb = 0
    i = 0
    k = 0
    t = -np.inf
    while True:
        while i < n and arr[i] <= t:
            if qtail - qhead < capacity:
                queue[qtail] = i
                qtail += 1
            i += 1
        if qhead == qtail:
            if i >= n:
                break
            t = max(t, arr[i]) + poll_ns * 0.5
            t, k = _skip(t, stall_start, stall_end, k)
            continue
        b = min(max_burst, qtail - qhead)
        work = 0.0
        for j in range(qhead, qhead + b):
            p = queue[j]
            read[p] = t
            burst[p] = nb
            work += svc[p]
        rx_t[nb] = t
        rx_n[nb] = b
        done, k = _advance(t, work, stall_start, stall_end, k)
        for j in range(qhead, qhead + b):
            dep[queue[j]] = done
        qhead += b
        nb += 1
        t, k = _skip(done + poll_ns, stall_start, stall_end, k)
    return read, dep, burst, rx_t[:nb].copy(), rx_n[:nb].copy()


def merge_stalls(*pairs):
    """Union of (starts, ends) stall lists, sorted, overlaps merged."""
    st = np.concatenate([np.asarray(p[0], dtype=np.float64) for p in pairs])
    en = np.concatenate([np.asarray(p[1], dtype=np.float64) for p in pairs])
    if st.size == 0:
        return st, en
    order = np.argsort(st, kind='stable')
    st, en = st[order], en[order]
    run_end = np.maximum.accumulate(en)
    new = np.ones(st.size, dtype=bool)
    new[1:] = st[1:] > run_end[:-1]
    idx = np.flatnonzero(new)
    ends = np.append(idx[1:], st.size) - 1
    return st[idx], run_end[ends]
