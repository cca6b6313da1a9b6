"""Trace reconstruction (§5): from record files to packet journeys.

:func:`reconstruct` links every record to a packet (see
:mod:`microscope_plugin.trace.linking` for the three side channels), then
lays the journeys out as columns:

* packets — one row per packet: 5-tuple (from whichever record carried
  it: the entry tap or the egress), IPID, entry tap and time it entered;
* hops — one row per (packet, NF) where the packet arrived: arrival time
  at the NF's input queue (upstream tx time + link delay), read time (rx
  burst), departure time (tx burst), or ``read = -1`` when it was lost at
  that queue (an upstream record and none downstream).  Hops are sorted by
  NF, then arrival time; ``nf_hops(k)`` is NF k's slice.
"""
import dataclasses

import numpy as np

from microscope_plugin import topology as topo
from microscope_plugin.trace import linking
from microscope_plugin.trace.views import view_from_records

TUPLE_FIELDS = ('src', 'dst', 'sport', 'dport', 'proto')


class TraceError(ValueError):
    """The records do not fit the topology (the message says which)."""


@dataclasses.dataclass
class Trace:
    topology: object
    views: list
    link_stats: dict
    tx_offsets: np.ndarray
    link_delay_ns: int
    # packets
    n_packets: int
    pkt_has_tuple: np.ndarray
    pkt_src: np.ndarray
    pkt_dst: np.ndarray
    pkt_sport: np.ndarray
    pkt_dport: np.ndarray
    pkt_proto: np.ndarray
    pkt_ipid: np.ndarray
    pkt_entry: np.ndarray       # NF index of the entry tap, -1
    pkt_entry_t: np.ndarray     # time it left the source (tap), -1
    # hops, sorted by (nf, arr)
    hop_pkt: np.ndarray
    hop_nf: np.ndarray
    hop_arr: np.ndarray
    hop_read: np.ndarray        # -1: lost at this NF's queue
    hop_dep: np.ndarray         # -1: never left (lost, or dropped inside)
    hop_arr_known: np.ndarray   # False when no upstream record gave it
    nf_start: np.ndarray        # hops of NF k: nf_start[k]:nf_start[k+1]

    @property
    def names(self):
        return self.topology.names

    def nf_hops(self, k):
        return slice(int(self.nf_start[k]), int(self.nf_start[k + 1]))

    @property
    def t_min(self):
        return int(self.hop_arr.min()) if len(self.hop_arr) else 0

    @property
    def t_max(self):
        return int(max(self.hop_arr.max(), self.hop_dep.max())) \
            if len(self.hop_arr) else 0

    def summary(self):
        st = {name: s.to_dict() for name, s in self.link_stats.items()}
        rx = sum(s['rx_records'] for s in st.values())
        linked = sum(s['unique'] + s['by_order'] + s['ambiguous']
                     for s in st.values())
        return {'packets': int(self.n_packets), 'hops': int(len(self.hop_pkt)),
                'lost': int((self.hop_read < 0).sum()),
                'rx_records': rx, 'linked': linked,
                'ambiguous': sum(s['ambiguous'] for s in st.values()),
                'unmatched_rx': sum(s['unmatched_rx'] for s in st.values()),
                'per_nf': st}


def _views(topology, records):
    names = topology.names
    views = [None] * len(names)
    for rec in records:
        name = rec.header.nf_name
        if name not in names:
            raise TraceError('record file %s is from NF %r, which is not in '
                             'topology %r' % (rec.path, name, topology.name))
        k = names.index(name)
        if views[k] is not None:
            raise TraceError('two record files for NF %r (%s); merge them '
                             'or give one' % (name, rec.path))
        role = topology.nfs[k].role
        views[k] = view_from_records(rec, k, role)
    return views


def _assign_packets(topology, views, offsets):
    """Packet ids: a record linked upstream inherits its upstream's id."""
    names = topology.names
    gtx_pkt = np.full(offsets[-1], -1, dtype=np.int64)
    next_id = 0
    for name in topology.topo_order():
        k = names.index(name)
        v = views[k]
        if v is None:
            continue
        if v.role == topo.ROLE_SOURCE or v.rx_up is None:
            v.rx_pkt = np.arange(next_id, next_id + v.n_rx, dtype=np.int64)
            next_id += v.n_rx
        else:
            pk = np.where(v.rx_up >= 0, gtx_pkt[np.maximum(v.rx_up, 0)], -1)
            new = pk < 0
            pk[new] = np.arange(next_id, next_id + int(new.sum()))
            next_id += int(new.sum())
            v.rx_pkt = pk
        tp = np.where(v.tx_rx >= 0, v.rx_pkt[np.maximum(v.tx_rx, 0)]
                      if v.n_rx else -1, -1)
        new = tp < 0
        tp[new] = np.arange(next_id, next_id + int(new.sum()))
        next_id += int(new.sum())
        v.tx_pkt = tp
        gtx_pkt[offsets[k]:offsets[k + 1]] = tp
    return gtx_pkt, next_id


def _flow_key(cols, has):
    """A 47-bit hash of each packet's 5-tuple, -1 where it is unknown."""
    with np.errstate(over='ignore'):
        h = cols['src'].astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        h ^= cols['dst'].astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F)
        h ^= (cols['sport'].astype(np.uint64) << np.uint64(24)
              | cols['dport'].astype(np.uint64) << np.uint64(8)
              | cols['proto'].astype(np.uint64)) * np.uint64(0x165667B19E3779F9)
        h ^= h >> np.uint64(29)
    return np.where(has, (h & np.uint64((1 << 47) - 1)).astype(np.int64), -1)


def _lost_destination(topology, views, offsets, taken, pkt_key):
    """For each untaken tx record of a non-egress NF: the NF whose queue
    dropped it — the only downstream NF, or the one other packets of its
    flow reached (flow-level load balancing); -1 when unknown.

    Only the (upstream NF, flow) pairs of lost records are looked up, so
    the table of where flows went keeps just those pairs (first occurrence
    wins, as over the whole table)."""
    names = topology.names
    dest = np.full(offsets[-1], -1, dtype=np.int64)
    queries = []
    for k, v in enumerate(views):
        if v is None:
            continue
        downs = [names.index(d) for d in topology.downstream(v.name)
                 if views[names.index(d)] is not None]
        lost = np.flatnonzero(~taken[offsets[k]:offsets[k + 1]])
        if not downs or not lost.size:
            continue
        if len(downs) == 1:
            dest[offsets[k] + lost] = downs[0]
            continue
        keys = pkt_key[v.tx_pkt[lost]]
        queries.append((k, lost, keys, (np.int64(k) << 47) | np.maximum(keys, 0)))
    if not queries:
        return dest
    need = np.unique(np.concatenate([q[3][q[2] >= 0] for q in queries]))
    gnf = np.repeat(np.arange(len(views)), np.diff(offsets))
    pairs, dests = [], []
    for v in views:
        if v is None or v.rx_up is None:
            continue
        ok = (v.rx_up >= 0) & (pkt_key[v.rx_pkt] >= 0)
        pair = (gnf[v.rx_up[ok]].astype(np.int64) << 47) | pkt_key[v.rx_pkt[ok]]
        if need.size:
            at = np.minimum(np.searchsorted(need, pair), need.size - 1)
            keep = need[at] == pair
        else:
            keep = np.zeros(pair.size, dtype=bool)
        pairs.append(pair[keep])
        dests.append(np.full(int(keep.sum()), v.index, dtype=np.int64))
    table = np.concatenate(pairs) if pairs else np.zeros(0, np.int64)
    tdest = np.concatenate(dests) if dests else np.zeros(0, np.int64)
    table, first = np.unique(table, return_index=True)
    tdest = tdest[first]
    for k, lost, keys, q in queries:
        at = np.minimum(np.searchsorted(table, q), max(len(table) - 1, 0))
        hit = (keys >= 0) & (len(table) > 0) & (table[at] == q) if len(table) \
            else np.zeros(lost.size, bool)
        dest[offsets[k] + lost[hit]] = tdest[at[hit]]
    return dest


def _hop_order(nf, arr, pkt):
    """Order of hop rows by (NF, arrival, packet).  One stable sort of a
    packed key when the three fit in 63 bits (the concatenated parts are
    nearly sorted, so it is close to linear), else a two-key lexsort."""
    if not len(nf):
        return np.zeros(0, dtype=np.int64)
    a0 = int(arr.min())
    span = int(arr.max()) - a0
    b_nf = max(int(nf.max()), 1).bit_length()
    b_arr = max(span, 1).bit_length()
    b_pkt = max(int(pkt.max()), 1).bit_length()
    na = (nf.astype(np.int64, copy=False) << b_arr) | (arr - a0)
    if b_nf + b_arr + b_pkt <= 63:
        na <<= b_pkt
        na |= pkt
        return np.argsort(na, kind='stable')
    return np.lexsort((pkt, na))


def reconstruct(topology, records, link_delay_ns=1000,
                params=linking.ReconstructParams()):
    """Reconstruct packet journeys from ``records`` (an iterable of
    :class:`NFRecords`, one per NF or entry tap of ``topology``).  Returns
    a :class:`Trace`."""
    views = _views(topology, records)
    stats, offsets = linking.link(views, topology, params)
    gtx_pkt, n = _assign_packets(topology, views, offsets)
    cols = {f: np.zeros(n, dtype=dt) for f, dt in zip(
        TUPLE_FIELDS, (np.uint32, np.uint32, np.uint16, np.uint16, np.uint8))}
    has = np.zeros(n, dtype=bool)
    ipid = np.zeros(n, dtype=np.uint16)
    entry = np.full(n, -1, dtype=np.int32)
    entry_t = np.full(n, -1, dtype=np.int64)
    for v in views:
        if v is None:
            continue
        ipid[v.rx_pkt] = v.rx_ipid
        ipid[v.tx_pkt] = v.tx_ipid
        for ids, tup in ((v.rx_pkt, v.rx_tuple), (v.tx_pkt, v.tx_tuple)):
            if tup is not None:
                m = tup['mask']
                for f in TUPLE_FIELDS:
                    cols[f][ids[m]] = tup[f][m]
                has[ids[m]] = True
        if v.role == topo.ROLE_SOURCE:
            entry[v.tx_pkt] = v.index
            entry_t[v.tx_pkt] = v.tx_t
    taken = np.zeros(offsets[-1], dtype=bool)
    parts = []
    gtx_t = np.concatenate([v.tx_t if v is not None else np.zeros(0, np.int64)
                            for v in views]) if offsets[-1] else np.zeros(0, np.int64)
    for v in views:
        if v is None or v.role == topo.ROLE_SOURCE:
            continue
        rx_tx = np.full(v.n_rx, -1, dtype=np.int64)
        linked = v.tx_rx >= 0
        rx_tx[v.tx_rx[linked]] = np.flatnonzero(linked)
        known = v.rx_up >= 0 if v.rx_up is not None else np.zeros(v.n_rx, bool)
        if v.rx_up is not None:
            taken[v.rx_up[known]] = True
        arr = np.where(known, gtx_t[np.maximum(v.rx_up, 0)] + link_delay_ns
                       if v.rx_up is not None else v.rx_t, v.rx_t)
        arr = np.minimum(arr, v.rx_t)
        dep = np.where(rx_tx >= 0, v.tx_t[np.maximum(rx_tx, 0)] if v.n_tx else -1, -1)
        parts.append((v.rx_pkt, np.full(v.n_rx, v.index), arr, v.rx_t, dep, known))
    pkt_key = _flow_key(cols, has)
    dest = _lost_destination(topology, views, offsets, taken, pkt_key)
    lost = np.flatnonzero((~taken) & (dest >= 0))
    parts.append((gtx_pkt[lost], dest[lost], gtx_t[lost] + link_delay_ns,
                  np.full(lost.size, -1), np.full(lost.size, -1),
                  np.ones(lost.size, dtype=bool)))
    hop = [np.concatenate([p[i] for p in parts]) for i in range(6)]
    order = _hop_order(hop[1], hop[2], hop[0])
    hop = [h[order] for h in hop]
    nf_start = np.searchsorted(hop[1], np.arange(len(views) + 1))
    return Trace(topology=topology, views=views, link_stats=stats,
                 tx_offsets=offsets, link_delay_ns=link_delay_ns, n_packets=n,
                 pkt_has_tuple=has, pkt_src=cols['src'], pkt_dst=cols['dst'],
                 pkt_sport=cols['sport'], pkt_dport=cols['dport'],
                 pkt_proto=cols['proto'], pkt_ipid=ipid, pkt_entry=entry,
                 pkt_entry_t=entry_t, hop_pkt=hop[0], hop_nf=hop[1].astype(np.int32),
                 hop_arr=hop[2].astype(np.int64, copy=False),
                 hop_read=hop[3].astype(np.int64, copy=False),
                 hop_dep=hop[4].astype(np.int64, copy=False), hop_arr_known=hop[5],
                 nf_start=nf_start)


def load_trace(topology, paths, **kw):
    """Read record files and reconstruct (raises on damaged files)."""
    from microscope_plugin.trace.reader import read_records
    # a generator: each file's columns are freed once its view is built
    return reconstruct(topology, (read_records(p) for p in paths), **kw)
