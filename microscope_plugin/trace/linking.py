"""Linking records across NFs by IPID — the core of trace reconstruction (§5).

IPIDs are 16 bits, so two packets in flight can share one.  The three
side channels of §5 resolve it:

* **paths** — a downstream NF's rx record is only matched against tx
  records of its immediate upstream NFs (topology edges; a traffic entry
  tap counts as the upstream of the first NFs);
* **timing** — a packet read in rx burst b arrived after the last burst
  before b that was shorter than the NF asked for (the queue was empty
  then), minus the maximum link delay, and before it was read;
* **order** — one input queue is FIFO, so the upstream tx times of the
  packets an NF reads never go backwards (up to ``order_slack_ns`` for
  unequal link delays): among several candidates the earliest one that
  keeps this order wins (Fig. 9).

Inside an NF, a tx record is the latest earlier rx record with its IPID
(a packet leaves an NF in the burst it was read with, or soon after).
Each link gets a status so callers can report how many stayed ambiguous or
unmatched.
"""
import dataclasses

import numpy as np
from numba import njit

UNMATCHED = 0
UNIQUE = 1          # one candidate in the window
BY_ORDER = 2        # several candidates, only one keeps FIFO order
AMBIGUOUS = 3       # several keep the order: the earliest was taken


@dataclasses.dataclass(frozen=True)
class ReconstructParams:
    max_link_delay_ns: int = 20_000   # upstream tx -> downstream queue, bound
    order_slack_ns: int = 2_000       # tolerated reordering between upstreams


@njit(cache=True)
def _internal_links(is_tx, local, ipid, ipv4, n_rx, n_tx):
    """tx record -> latest earlier unconsumed rx record with the same IPID."""
    last = np.full(65536, -1, np.int64)
    tx_rx = np.full(n_tx, -1, np.int64)
    for k in range(is_tx.size):
        if not ipv4[k]:
            continue
        v = ipid[k]
        if is_tx[k]:
            if last[v] >= 0:
                tx_rx[local[k]] = last[v]
                last[v] = -1
        else:
            last[v] = local[k]
    return tx_rx


@njit(cache=True)
def _cross_links(rx_ipid, rx_ipv4, lo_t, hi_t, b_start, c_t, c_gid, used,
                 slack):
    """Match a downstream NF's rx records (in read order) to candidate
    upstream tx records grouped by IPID (``b_start``) and sorted by time
    inside a group.  ``used`` is indexed by global tx id and shared by
    every downstream NF (a record leaves its NF once).  Window bounds never
    decrease in read order, so one cursor per IPID sweeps each group once.
    """
    n = rx_ipid.size
    up = np.full(n, -1, np.int64)
    status = np.zeros(n, np.int8)
    cur = b_start[:-1].copy()
    last_t = np.int64(-(1 << 62))
    for i in range(n):
        if not rx_ipv4[i]:
            continue
        v = rx_ipid[i]
        end = b_start[v + 1]
        a = cur[v]
        while a < end and c_t[a] < lo_t[i]:
            a += 1
        cur[v] = a
        n_free = 0
        n_ok = 0
        best = -1
        first_free = -1
        k = a
        while k < end and c_t[k] <= hi_t[i]:
            if not used[c_gid[k]]:
                n_free += 1
                if first_free < 0:
                    first_free = k
                if c_t[k] >= last_t - slack:
                    n_ok += 1
                    if best < 0:
                        best = k
            k += 1
        if n_free == 0:
            continue
        if best < 0:        # every candidate breaks the order: take earliest
            best = first_free
            status[i] = AMBIGUOUS
        elif n_free == 1:
            status[i] = UNIQUE
        elif n_ok == 1:
            status[i] = BY_ORDER
        else:
            status[i] = AMBIGUOUS
        used[c_gid[best]] = True
        up[i] = c_gid[best]
        if c_t[best] > last_t:
            last_t = c_t[best]
    return up, status


def _window(view, max_link_delay):
    """Arrival window (lo, hi] of each rx record from the burst sizes."""
    short = view.rxb_n < view.rxb_max
    idx = np.where(short, np.arange(len(short)), -1)
    last_short = np.maximum.accumulate(idx) if len(idx) else idx
    prev = np.concatenate(([-1], last_short[:-1])) if len(idx) else idx
    start = np.where(prev >= 0, view.rxb_t[np.maximum(prev, 0)],
                     np.iinfo(np.int64).min // 2)
    lo = start[view.rx_burst] - max_link_delay
    return lo, view.rx_t


@dataclasses.dataclass
class LinkStats:
    rx_records: int = 0
    unique: int = 0
    by_order: int = 0
    ambiguous: int = 0
    unmatched_rx: int = 0       # rx records with no upstream record
    unlinked_tx: int = 0        # tx records no downstream record took

    def to_dict(self):
        return dataclasses.asdict(self)


def link(views, topology, params=ReconstructParams()):
    """Fill ``rx_up``, ``rx_status`` and ``tx_rx`` of every view.

    ``views`` is a list indexed like ``topology.nfs`` (None where no record
    file exists).  Returns per-NF :class:`LinkStats` and the global tx id
    offsets (global tx id = offset[nf] + local tx index).
    """
    offsets = np.zeros(len(views) + 1, dtype=np.int64)
    for k, v in enumerate(views):
        offsets[k + 1] = offsets[k] + (v.n_tx if v is not None else 0)
    for v in views:
        if v is None:
            continue
        ipid, ipv4 = v.record_order_columns()
        v.tx_rx = _internal_links(v.order_is_tx, v.order_local, ipid, ipv4,
                                  v.n_rx, v.n_tx)
    used_by = {}
    used = np.zeros(offsets[-1], dtype=np.bool_)
    stats = {}
    names = topology.names
    for name in topology.topo_order():
        k = names.index(name)
        v = views[k]
        st = LinkStats()
        stats[name] = st
        if v is None or v.role == 'source':
            continue
        ups = tuple(sorted(names.index(u) for u in topology.upstream(name)
                           if views[names.index(u)] is not None))
        st.rx_records = v.n_rx
        if not ups:
            v.rx_up = np.full(v.n_rx, -1, np.int64)
            v.rx_status = np.zeros(v.n_rx, np.int8)
            st.unmatched_rx = v.n_rx
            continue
        if ups not in used_by:
            c_ipid = np.concatenate([views[u].tx_ipid for u in ups])
            c_t = np.concatenate([views[u].tx_t for u in ups])
            c_gid = np.concatenate([offsets[u] + np.arange(views[u].n_tx)
                                    for u in ups])
            ok = np.concatenate([views[u].tx_ipv4 for u in ups])
            c_ipid, c_t, c_gid = c_ipid[ok], c_t[ok], c_gid[ok]
            # by IPID, then time (ties in record order): a stable sort by
            # time (runs of sorted upstreams) then a radix sort by IPID
            order = np.argsort(c_t, kind='stable')
            order = order[np.argsort(c_ipid[order], kind='stable')]
            b_start = np.searchsorted(c_ipid[order], np.arange(65537))
            used_by[ups] = (b_start, c_t[order], c_gid[order])
        b_start, c_t, c_gid = used_by[ups]
        lo, hi = _window(v, params.max_link_delay_ns)
        v.rx_up, v.rx_status = _cross_links(
            v.rx_ipid.astype(np.int64), v.rx_ipv4, lo, hi, b_start, c_t,
            c_gid, used, params.order_slack_ns)
        s = v.rx_status
        st.unique = int((s == UNIQUE).sum())
        st.by_order = int((s == BY_ORDER).sum())
        st.ambiguous = int((s == AMBIGUOUS).sum())
        st.unmatched_rx = int((s == UNMATCHED).sum())
    for k, v in enumerate(views):
        if v is not None:
            stats[v.name].unlinked_tx = int((~used[offsets[k]:offsets[k + 1]]).sum())
    return stats, offsets
