"""Turn an :class:`Emulation` into exactly what collectors would write.

One record file per NF instance (rx bursts on port 0, then the tx bursts
of each rx burst, one per output port) and one per traffic source with a
tap (its entry point: tx bursts of identical timestamps, with 5-tuples).
Timestamps are ticks of ``tick_ns`` (16 ns by default, like a collector
that stores TSC >> 5 at 2 GHz): far below the jitter of the timestamp
itself, and it keeps records near two bytes each.
Nothing else goes into the record files; the topology and the ground
truth are written beside them (``topology.json``, ``truth.npz``,
``truth.json``).
"""
import json
import os

import numpy as np

from microscope_plugin.emulator.run import EPOCH_NS
from microscope_plugin.trace import format as fmt
from microscope_plugin.trace.records import Bursts, Packets
from microscope_plugin.trace.writer import BLOCK_PACKETS, write_records

HOST_TSC_BASE = 1 << 40


def _host_clock(em, host):
    """Each host's TSC starts at a different value: readers must align."""
    hosts = sorted({i.host for i in em.scenario.instances}
                   | {s.name for s in em.scenario.sources})
    return HOST_TSC_BASE * (1 + hosts.index(host))


def _packets(traffic, rows, with_tuple):
    p = Packets.zeros(len(rows))
    p.ipid = traffic.ipid[rows]
    p.ipv4[:] = True
    if with_tuple is not None:
        p.has_tuple = np.asarray(with_tuple, dtype=bool)
        for f in ('src', 'dst', 'sport', 'dport', 'proto'):
            getattr(p, f)[:] = np.where(p.has_tuple, getattr(traffic, f)[rows], 0)
    return p


def nf_columns(em, name, tick_ns=1):
    """Burst and packet columns of one NF instance, in the order its
    collector would see them: rx burst b, then b's tx bursts by port."""
    inst = em.scenario.instance(name)
    nb = em.nf[name]
    rx_seq, hop = nb.rx_seq, nb.hop
    n_b = len(nb.rx_n)
    burst_of = np.repeat(np.arange(n_b), nb.rx_n)
    tx_port = em.port[rx_seq, hop].astype(np.int64)
    P = int(tx_port.max()) + 1 if len(tx_port) else 1
    tkey = burst_of * P + tx_port
    tx_order = np.argsort(tkey, kind='stable')
    tx_seq = rx_seq[tx_order]
    ukeys, tx_start, tx_len = np.unique(tkey[tx_order], return_index=True,
                                        return_counts=True)
    rx_start = np.concatenate(([0], np.cumsum(nb.rx_n)[:-1])).astype(np.int64)
    # records: rx bursts (sort key 2b) and tx bursts (2b+1), port order kept
    rec_key = np.concatenate([2 * np.arange(n_b), 2 * (ukeys // P) + 1])
    rec_sub = np.concatenate([np.zeros(n_b, np.int64), ukeys % P])
    order = np.lexsort((rec_sub, rec_key))
    is_tx = np.concatenate([np.zeros(n_b, bool), np.ones(len(ukeys), bool)])[order]
    start = np.concatenate([rx_start, tx_start])[order]
    length = np.concatenate([nb.rx_n, tx_len]).astype(np.int64)[order]
    t = np.concatenate([nb.rx_t, nb.tx_t[ukeys // P]])[order]
    port = np.where(is_tx, rec_sub[order], 0)
    pos = np.arange(int(length.sum())) - np.repeat(
        np.cumsum(length) - length, length)
    src_i = np.repeat(start, length) + pos
    tx_pk = np.repeat(is_tx, length)
    rows = np.where(tx_pk, tx_seq[np.minimum(src_i, len(tx_seq) - 1)],
                    rx_seq[np.minimum(src_i, len(rx_seq) - 1)])
    host = inst.host
    base = _host_clock(em, host)
    bursts = Bursts(
        tsc=(np.rint(t / tick_ns).astype(np.int64) + base).astype(np.uint64),
        port=port.astype(np.uint16), queue=np.zeros(len(t), np.uint16),
        direction=np.where(is_tx, fmt.DIR_TX, fmt.DIR_RX).astype(np.uint8),
        count=length.astype(np.uint32),
        max_pkts=np.where(is_tx, 0, em.scenario.max_burst).astype(np.uint32))
    want = {'rx': ~tx_pk, 'tx': tx_pk}.get(inst.record_tuples)
    packets = _packets(em.traffic, rows, want)
    flags = {'rx': fmt.FLAG_TUPLES_RX, 'tx': fmt.FLAG_TUPLES_TX}.get(
        inst.record_tuples, 0)
    header = fmt.FileHeader(nf_name=name, host=host,
                            tsc_hz=_tsc_hz(tick_ns),
                            anchor_tsc=base, anchor_unix_ns=EPOCH_NS,
                            role=fmt.ROLE_NF, flags=flags)
    return header, bursts, packets, rows


def source_columns(em, k, tick_ns=1):
    """The entry tap of source ``k``: what entered, when, with 5-tuples."""
    s = em.scenario.sources[k]
    tr = em.traffic
    rows = np.flatnonzero(tr.source == k)
    t = np.rint(tr.t_ns[rows] / tick_ns).astype(np.int64)
    new = np.ones(len(t), dtype=bool)
    new[1:] = t[1:] != t[:-1]
    first = np.flatnonzero(new)
    count = np.diff(np.append(first, len(t)))
    base = _host_clock(em, s.name)
    nb = len(first)
    bursts = Bursts(tsc=(t[first] + base).astype(np.uint64),
                    port=np.zeros(nb, np.uint16), queue=np.zeros(nb, np.uint16),
                    direction=np.full(nb, fmt.DIR_TX, np.uint8),
                    count=count.astype(np.uint32),
                    max_pkts=np.zeros(nb, np.uint32))
    header = fmt.FileHeader(nf_name=s.name, host=s.name,
                            tsc_hz=_tsc_hz(tick_ns),
                            anchor_tsc=base, anchor_unix_ns=EPOCH_NS,
                            role=fmt.ROLE_SOURCE, flags=fmt.FLAG_TUPLES_TX)
    return header, bursts, _packets(tr, rows, np.ones(len(rows), bool)), rows


def _tsc_hz(tick_ns):
    hz = 1_000_000_000 // tick_ns
    if hz * tick_ns != 1_000_000_000:
        raise ValueError('tick_ns must divide 1e9, got %r' % tick_ns)
    return hz


def write_outputs(em, out_dir, block_packets=BLOCK_PACKETS, tick_ns=16,
                  progress=None):
    """Write record files and topology; returns the file list.

    ``em.record_rows[name]`` receives the packet row of every packet
    record of each file, in file order (written to the truth).
    """
    say = progress or (lambda *a: None)
    rec_dir = os.path.join(out_dir, 'records')
    os.makedirs(rec_dir, exist_ok=True)
    written = []
    for k, s in enumerate(em.scenario.sources):
        if s.tap:
            h, b, p, rows = source_columns(em, k, tick_ns)
            em.record_rows[s.name] = rows
            path = os.path.join(rec_dir, s.name + '.msr')
            write_records(path, h, b, p, block_packets)
            written.append(path)
    for name in em.instances:
        say('write', name)
        h, b, p, rows = nf_columns(em, name, tick_ns)
        em.record_rows[name] = rows
        path = os.path.join(rec_dir, name + '.msr')
        write_records(path, h, b, p, block_packets)
        written.append(path)
    topo_path = os.path.join(out_dir, 'topology.json')
    with open(topo_path, 'w') as fh:
        fh.write(em.scenario.topology().dumps())
    return written


def record_stats(paths):
    """Bytes and packet-record counts of a set of record files."""
    from microscope_plugin.trace.reader import read_records
    total = rx = tx = 0
    for path in paths:
        r = read_records(path)
        total += r.file_bytes
        d = np.repeat(r.bursts.direction, r.bursts.count.astype(np.int64))
        rx += int((d == fmt.DIR_RX).sum())
        tx += int((d == fmt.DIR_TX).sum())
    return {'bytes': total, 'rx_records': rx, 'tx_records': tx,
            'bytes_per_record': total / max(1, rx + tx)}


def dump_json(obj, path):
    with open(path, 'w') as fh:
        json.dump(obj, fh, indent=2, sort_keys=True, default=float)
