"""Encode and decode one self-contained block of the record format (v1).

Layout of the (uncompressed) payload, documented in docs/record-format.md:

    u8  n_streams, then n_streams x (u16 port, u16 queue, u8 direction)
    burst timestamps   varints, first relative to first_tsc, then deltas
                       (timestamps never decrease within a block)
    burst stream index u8 each
    burst counts       varints
    burst max_pkts     varints (rx: packets the NF asked for; tx: 0)
    packet codes       u8 each: bits 0-1 kind, bit 2 has_tuple
    literal IPIDs      u16 byte planes, one per LITERAL packet
    IPID references    zigzag varints, one per REF packet
    tuple dictionary   u32 n, then src/dst u32, sport/dport u16 planes, proto u8
    tuple references   varints, one per packet with a tuple: 0 = next
                       dictionary entry, d > 0 = the tuple of the d-th
                       previous packet with a tuple

A REF packet (always in a tx burst) carries the IPID of an earlier IPv4 rx
packet of the same block: reference j names rx ordinal r_j and is stored as
r_j - r_(j-1) - 1 (r_(-1) = -1), so an NF that forwards in arrival order
costs one zero byte per forwarded packet before compression.

A SUCCESSOR packet (IPv4 with a tuple) carries the IPID of the previous
packet of the block with the same source address plus one (mod 2^16):
IPIDs are per-host counters, so a tap that records tuples stores almost
no IPIDs.  Decoding order: literals, then successors, then references.
"""
import struct
import zlib

import numpy as np
from numba import njit

from microscope_plugin.trace import codec
from microscope_plugin.trace import format as fmt
from microscope_plugin.trace.records import Bursts, Packets


def _stream_table(bursts):
    key = (bursts.port.astype(np.uint64) << np.uint64(24)) \
        | (bursts.queue.astype(np.uint64) << np.uint64(8)) \
        | bursts.direction.astype(np.uint64)
    uniq, index = np.unique(key, return_inverse=True)
    if len(uniq) > 255:
        raise ValueError('a block may hold at most 255 (port, queue, '
                         'direction) streams, got %d' % len(uniq))
    table = b''.join(fmt.STREAM.pack(int(k >> np.uint64(24)),
                                     int((k >> np.uint64(8)) & np.uint64(0xFFFF)),
                                     int(k & np.uint64(0xFF))) for k in uniq)
    return bytes([len(uniq)]) + table, index.astype(np.uint8)


@njit(cache=True)
def _last_rx(ipid, rx4):
    """For each packet, the ordinal of the latest earlier IPv4 rx packet
    of the block with the same IPID, or -1 (one pass, a 64K table)."""
    table = np.full(65536, -1, np.int64)
    last = np.empty(ipid.size, np.int64)
    ordinal = 0
    for i in range(ipid.size):
        last[i] = table[ipid[i]]
        if rx4[i]:
            table[ipid[i]] = ordinal
            ordinal += 1
    return last


def _ipid_codes(bursts, packets):
    """Per-packet kind, literal IPIDs and reference deltas."""
    direction = np.repeat(bursts.direction, bursts.count.astype(np.int64))
    ipv4 = packets.ipv4
    rx4 = ipv4 & (direction == fmt.DIR_RX)
    last = _last_rx(packets.ipid, rx4)
    is_ref = ipv4 & (direction == fmt.DIR_TX) & (last >= 0)
    kind = np.where(ipv4, fmt.KIND_LITERAL, fmt.KIND_NOT_IPV4).astype(np.uint8)
    kind[is_ref] = fmt.KIND_REF
    r = last[is_ref]
    deltas = np.diff(r, prepend=-1) - 1
    kind[_successors(packets, kind)] = fmt.KIND_SUCCESSOR
    literal = packets.ipid[kind == fmt.KIND_LITERAL]
    return kind, literal, deltas


def _successor_order(packets, kind):
    """Positions of the successor-chain candidates, grouped by source
    address and in block order within a group, and group-start flags."""
    cand = np.flatnonzero(packets.has_tuple & (kind != fmt.KIND_REF)
                          & (kind != fmt.KIND_NOT_IPV4))
    order = cand[np.lexsort((cand, packets.src[cand]))]
    start = np.ones(order.size, dtype=bool)
    start[1:] = packets.src[order][1:] != packets.src[order][:-1]
    return order, start


def _successors(packets, kind):
    """Mask of packets whose IPID is the previous same-source IPID + 1.

    IPIDs are per-source-host counters, so at a tap that records tuples
    most packets continue their host's sequence (KIND_SUCCESSOR).
    """
    mask = np.zeros(len(packets), dtype=bool)
    order, start = _successor_order(packets, kind)
    if order.size:
        ip = packets.ipid[order].astype(np.int64)
        succ = np.zeros(order.size, dtype=bool)
        succ[1:] = ~start[1:] & (ip[1:] == (ip[:-1] + 1) & 0xFFFF)
        mask[order[succ]] = True
    return mask


def _tuple_dict(packets):
    """Dictionary of distinct 5-tuples (first-use order) and, per packet
    with a tuple, its back-distance: 0 = next dictionary entry, d > 0 =
    same tuple as the d-th previous packet that has one."""
    sel = np.flatnonzero(packets.has_tuple)
    if sel.size == 0:
        return struct.pack('<I', 0), b''
    k1 = (packets.src[sel].astype(np.uint64) << np.uint64(32)) \
        | packets.dst[sel].astype(np.uint64)
    k2 = (packets.sport[sel].astype(np.uint64) << np.uint64(24)) \
        | (packets.dport[sel].astype(np.uint64) << np.uint64(8)) \
        | packets.proto[sel].astype(np.uint64)
    order = np.lexsort((np.arange(sel.size), k2, k1))
    new = np.ones(sel.size, dtype=bool)
    new[1:] = (k1[order][1:] != k1[order][:-1]) | (k2[order][1:] != k2[order][:-1])
    dist = np.zeros(sel.size, dtype=np.int64)
    dist[order[1:]] = np.where(new[1:], 0, order[1:] - order[:-1])
    reps = sel[np.sort(order[new])]
    d = struct.pack('<I', reps.size)
    d += codec.planes_encode(packets.src[reps], 4)
    d += codec.planes_encode(packets.dst[reps], 4)
    d += codec.planes_encode(packets.sport[reps], 2)
    d += codec.planes_encode(packets.dport[reps], 2)
    d += packets.proto[reps].astype(np.uint8).tobytes()
    return d, codec.varint_encode(dist)


def _tuple_index(dist):
    """Dictionary index of each tuple from back-distances (vectorised:
    pointer jumping until every chain reaches its dictionary entry)."""
    n = dist.size
    new = dist == 0
    entry = np.cumsum(new) - 1
    ptr = np.arange(n) - dist
    while True:
        nxt = ptr[ptr]
        if np.array_equal(nxt, ptr):
            break
        ptr = nxt
    return entry[ptr]


def payload_columns(bursts, packets):
    """The payload columns of a block (docs/record-format.md, in order) as
    ``{name: bytes}``, before compression."""
    streams, stream_idx = _stream_table(bursts)
    tsc = bursts.tsc.astype(np.int64)
    ts_delta = np.diff(tsc, prepend=tsc[:1])
    if np.any(ts_delta < 0):
        bad = int(np.argmax(ts_delta < 0))
        raise ValueError('burst %d of the block is older than burst %d: '
                         'timestamps must not decrease within a block '
                         '(write one block per producer)' % (bad, bad - 1))
    kind, literal, deltas = _ipid_codes(bursts, packets)
    codes = kind | np.where(packets.has_tuple, fmt.CODE_HAS_TUPLE, 0).astype(np.uint8)
    tdict, tidx = _tuple_dict(packets)
    return {'streams': streams,
            'timestamps': codec.varint_encode(ts_delta),
            'burst_stream': stream_idx.tobytes(),
            'burst_counts': codec.varint_encode(bursts.count),
            'burst_max_pkts': codec.varint_encode(bursts.max_pkts),
            'packet_codes': codes.tobytes(),
            'literal_ipids': codec.planes_encode(literal, 2),
            'ipid_refs': codec.varint_encode(codec.zigzag_encode(deltas)),
            'tuple_dict': tdict,
            'tuple_refs': tidx}


def encode_block(bursts, packets, dropped_packets=0, dropped_bursts=0,
                 compress=True, level=6):
    """Return the bytes of one block holding ``bursts`` and their packets."""
    nb, npk = len(bursts), len(packets)
    if int(bursts.count.sum(dtype=np.int64)) != npk:
        raise ValueError('burst counts add up to %d packets, %d given'
                         % (int(bursts.count.sum()), npk))
    if np.any(packets.has_tuple & ~packets.ipv4):
        raise ValueError('a 5-tuple is only recorded for IPv4 packets')
    tsc = bursts.tsc.astype(np.uint64)
    first_tsc = int(tsc[0]) if nb else 0
    last_tsc = int(tsc.max()) if nb else 0
    payload = b''.join(payload_columns(bursts, packets).values())
    raw_size = len(payload)
    codec_id = fmt.CODEC_RAW
    if compress:
        payload = zlib.compress(payload, level)
        codec_id = fmt.CODEC_ZLIB
    head = fmt.BLOCK_HEADER.pack(fmt.BLOCK_MAGIC, len(payload), raw_size, nb,
                                 npk, int(packets.has_tuple.sum()), first_tsc,
                                 last_tsc, dropped_packets, dropped_bursts,
                                 codec_id)
    crc = zlib.crc32(payload, zlib.crc32(head))
    return head + fmt.BLOCK_CRC.pack(crc) + payload


class _Cursor:
    def __init__(self, buf, path, offset):
        self.buf, self.pos, self.path, self.offset = buf, 0, path, offset

    def fail(self, reason):
        raise fmt.RecordFormatError(self.path, self.offset, reason)

    def take(self, n, what):
        if self.pos + n > len(self.buf):
            self.fail('%s: payload ends early' % what)
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def varints(self, count, what):
        try:
            v, used = codec.varint_decode(self.buf[self.pos:], count, what)
        except codec.CodecError as e:
            self.fail(str(e))
        self.pos += used
        return v

    def planes(self, count, width, what):
        try:
            v, used = codec.planes_decode(self.buf[self.pos:], count, width, what)
        except codec.CodecError as e:
            self.fail(str(e))
        self.pos += used
        return v


def _resolve_successors(cur, packets, kind):
    order, start = _successor_order(packets, kind)
    if not order.size:
        return
    succ = kind[order] == fmt.KIND_SUCCESSOR
    if np.any(succ & start):
        cur.fail('a successor-coded packet starts its source\'s chain')
    i = np.arange(order.size)
    anchor = np.maximum.accumulate(np.where(succ, 0, i))
    ipid = packets.ipid[order[anchor]].astype(np.int64) + (i - anchor)
    packets.ipid[order] = (ipid & 0xFFFF).astype(np.uint16)


def decode_block(buf, offset, path):
    """Decode the block starting at ``buf[offset:]``.

    Returns ``(bursts, packets, dropped_packets, dropped_bursts, size)``.
    Raises :class:`RecordFormatError` naming ``path`` and the block offset.
    """
    h = fmt.check_block(buf, offset, path)
    start = offset + fmt.BLOCK_HEAD
    stored = bytes(buf[start:start + h.payload_size])
    payload = stored
    if h.codec == fmt.CODEC_ZLIB:
        try:
            payload = zlib.decompress(stored)
        except zlib.error as e:
            raise fmt.RecordFormatError(path, offset, 'zlib: %s' % e)
    if len(payload) != h.raw_size:
        raise fmt.RecordFormatError(path, offset, 'payload is %d bytes, header '
                                    'says %d' % (len(payload), h.raw_size))
    bursts, packets = _decode_payload(_Cursor(payload, path, offset),
                                      h.n_bursts, h.n_packets, h.n_tuples,
                                      h.first_tsc)
    return (bursts, packets, h.dropped_packets, h.dropped_bursts,
            fmt.BLOCK_HEAD + h.payload_size)


def _decode_payload(cur, nb, npk, ntup, first_tsc):
    (n_streams,) = cur.take(1, 'stream table')
    table = np.frombuffer(cur.take(n_streams * fmt.STREAM.size, 'stream table'),
                          dtype=np.dtype([('port', '<u2'), ('queue', '<u2'),
                                          ('dir', 'u1')]))
    tsc = np.cumsum(cur.varints(nb, 'burst timestamps')) + np.uint64(first_tsc)
    sidx = np.frombuffer(cur.take(nb, 'burst streams'), dtype=np.uint8)
    if nb and sidx.max() >= n_streams:
        cur.fail('burst stream index %d beyond %d streams'
                 % (sidx.max(), n_streams))
    count = cur.varints(nb, 'burst counts').astype(np.uint32)
    max_pkts = cur.varints(nb, 'burst max_pkts').astype(np.uint32)
    if int(count.sum(dtype=np.int64)) != npk:
        cur.fail('burst counts add up to %d packets, header says %d'
                 % (int(count.sum()), npk))
    bursts = Bursts(tsc=tsc, port=table['port'][sidx].copy(),
                    queue=table['queue'][sidx].copy(),
                    direction=table['dir'][sidx].copy(),
                    count=count, max_pkts=max_pkts)
    codes = np.frombuffer(cur.take(npk, 'packet codes'), dtype=np.uint8)
    kind = codes & fmt.CODE_KIND_MASK
    if np.any(codes > (fmt.CODE_KIND_MASK | fmt.CODE_HAS_TUPLE)):
        cur.fail('reserved bits set in packet codes')
    has_tuple = (codes & fmt.CODE_HAS_TUPLE) != 0
    if int(has_tuple.sum()) != ntup:
        cur.fail('%d packets flag a tuple, header says %d'
                 % (int(has_tuple.sum()), ntup))
    lit = kind == fmt.KIND_LITERAL
    ref = kind == fmt.KIND_REF
    packets = Packets.zeros(npk)
    packets.ipv4 = kind != fmt.KIND_NOT_IPV4
    packets.has_tuple = has_tuple
    packets.ipid[lit] = cur.planes(int(lit.sum()), 2, 'literal IPIDs')
    direction = np.repeat(bursts.direction, count.astype(np.int64))
    if np.any(ref & (direction != fmt.DIR_TX)):
        cur.fail('an rx packet is coded as a reference')
    if np.any((kind == fmt.KIND_SUCCESSOR) & ~has_tuple):
        cur.fail('a successor-coded packet carries no tuple')
    nref = int(ref.sum())
    d = codec.zigzag_decode(cur.varints(nref, 'IPID references'))
    (ndict,) = struct.unpack('<I', cur.take(4, 'tuple dictionary'))
    if ndict > max(ntup, 0):
        cur.fail('tuple dictionary of %d entries for %d tuples' % (ndict, ntup))
    src = cur.planes(ndict, 4, 'tuple src')
    dst = cur.planes(ndict, 4, 'tuple dst')
    sport = cur.planes(ndict, 2, 'tuple sport')
    dport = cur.planes(ndict, 2, 'tuple dport')
    proto = np.frombuffer(cur.take(ndict, 'tuple proto'), dtype=np.uint8)
    dist = cur.varints(ntup, 'tuple references').astype(np.int64)
    if np.any(dist > np.arange(ntup)):
        cur.fail('tuple reference before the first tuple of the block')
    if int((dist == 0).sum()) != ndict:
        cur.fail('%d new tuples for a dictionary of %d'
                 % (int((dist == 0).sum()), ndict))
    idx = _tuple_index(dist)
    if np.any(has_tuple & ~packets.ipv4):
        cur.fail('a non-IPv4 packet carries a tuple')
    packets.src[has_tuple] = src[idx]
    packets.dst[has_tuple] = dst[idx]
    packets.sport[has_tuple] = sport[idx]
    packets.dport[has_tuple] = dport[idx]
    packets.proto[has_tuple] = proto[idx]
    _resolve_successors(cur, packets, kind)
    if nref:
        r = np.cumsum(d + 1) - 1
        rx_pos = np.flatnonzero((kind != fmt.KIND_NOT_IPV4) & ~ref
                                & (direction == fmt.DIR_RX))
        if r.min() < 0 or r.max() >= rx_pos.size:
            cur.fail('IPID reference outside the block\'s %d rx packets'
                     % rx_pos.size)
        packets.ipid[ref] = packets.ipid[rx_pos[r]]
    if cur.pos != len(cur.buf):
        cur.fail('%d unexpected bytes after the last column'
                 % (len(cur.buf) - cur.pos))
    return bursts, packets
