"""Record format v1: round trip and the documented errors."""
import struct

import numpy as np
import pytest

from microscope_plugin.trace import (Bursts, FileHeader, Packets,
                                     RecordFormatError, read_header,
                                     read_records, write_records)
from microscope_plugin.trace import block
from microscope_plugin.trace import format as fmt


def make_columns(seed=0, nb=600, tuples=0.5):
    """rx/tx burst pairs of an order-preserving NF, with hosts' IPID
    counters, some non-IPv4 packets and some 5-tuples."""
    rng = np.random.default_rng(seed)
    rx_n = rng.integers(1, 33, nb)
    hosts = rng.integers(0, 30, int(rx_n.sum()))
    ctr = rng.integers(0, 65536, 30)
    ipid = np.empty(hosts.size, np.uint16)
    for i, h in enumerate(hosts):
        ipid[i] = ctr[h]
        ctr[h] = (ctr[h] + 1) % 65536
    ipv4 = rng.random(hosts.size) > 0.02
    count = np.repeat(rx_n, 2).astype(np.uint32)
    direction = np.tile([fmt.DIR_RX, fmt.DIR_TX], nb).astype(np.uint8)
    tsc = np.cumsum(rng.integers(0, 5000, 2 * nb)).astype(np.uint64) + 10**12
    starts = np.concatenate(([0], np.cumsum(rx_n)[:-1]))
    order = np.concatenate([np.r_[s:s + n, s:s + n] for s, n in zip(starts, rx_n)])
    p = Packets.zeros(order.size)
    p.ipid = ipid[order]
    p.ipv4 = ipv4[order]
    has_t = (rng.random(hosts.size) < tuples) & ipv4
    p.has_tuple = has_t[order]
    p.src = np.where(p.has_tuple, 0x0A000000 + hosts[order], 0).astype(np.uint32)
    p.dst = np.where(p.has_tuple, 0xC0A80001, 0).astype(np.uint32)
    p.sport = np.where(p.has_tuple, 1000 + hosts[order], 0).astype(np.uint16)
    p.dport = np.where(p.has_tuple, 443, 0).astype(np.uint16)
    p.proto = np.where(p.has_tuple, 6, 0).astype(np.uint8)
    p.ipid[~p.ipv4] = 0
    b = Bursts(tsc=tsc, port=(direction * 3).astype(np.uint16),
               queue=np.zeros(2 * nb, np.uint16), direction=direction,
               count=count,
               max_pkts=np.where(direction == fmt.DIR_RX, 32, 0).astype(np.uint32))
    return b, p


def assert_same(rec, b, p):
    for k in ('tsc', 'port', 'queue', 'direction', 'count', 'max_pkts'):
        np.testing.assert_array_equal(getattr(rec.bursts, k), getattr(b, k), k)
    for k in ('ipid', 'ipv4', 'has_tuple', 'src', 'dst', 'sport', 'dport', 'proto'):
        np.testing.assert_array_equal(getattr(rec.packets, k), getattr(p, k), k)


HEADER = FileHeader(nf_name='fw2', host='compute-1', tsc_hz=2_200_000_000,
                    anchor_tsc=10**12, anchor_unix_ns=1_767_225_600 * 10**9)


def test_round_trip_all_columns(tmp_path):
    b, p = make_columns()
    path = tmp_path / 'fw2.msr'
    write_records(path, HEADER, b, p, block_packets=1000)
    rec = read_records(path)
    assert rec.header == HEADER
    assert rec.n_blocks > 5
    assert rec.error is None
    assert_same(rec, b, p)
    rec.validate()


def test_round_trip_uncompressed_and_empty(tmp_path):
    b, p = make_columns(seed=3, nb=50)
    write_records(tmp_path / 'a.msr', HEADER, b, p, compress=False)
    assert_same(read_records(tmp_path / 'a.msr'), b, p)
    write_records(tmp_path / 'e.msr', HEADER, Bursts.empty(), Packets.empty())
    rec = read_records(tmp_path / 'e.msr')
    assert len(rec.bursts) == 0 and len(rec.packets) == 0 and rec.n_blocks == 0


def test_tx_ipids_cost_nearly_nothing():
    """An order-preserving NF's tx IPIDs are coded as references."""
    b, p = make_columns(tuples=0.0)
    kind, literal, deltas = block._ipid_codes(b, p)
    tx = np.repeat(b.direction, b.count.astype(np.int64)) == fmt.DIR_TX
    assert (kind[tx & p.ipv4] == fmt.KIND_REF).all()
    assert (deltas == 0).mean() > 0.95


def test_successor_coding_at_a_tap():
    b, p = make_columns(tuples=1.0)
    kind, _, _ = block._ipid_codes(b, p)
    rx = np.repeat(b.direction, b.count.astype(np.int64)) == fmt.DIR_RX
    assert (kind[rx & p.ipv4] == fmt.KIND_SUCCESSOR).mean() > 0.8


def test_clock_alignment():
    h = FileHeader(nf_name='x', tsc_hz=2_000_000_000, anchor_tsc=1000,
                   anchor_unix_ns=5 * 10**18)
    ns = h.to_ns(np.array([1000, 3000, 1000 + 2 * 10**9], dtype=np.uint64))
    np.testing.assert_array_equal(ns, [5 * 10**18, 5 * 10**18 + 1000,
                                       5 * 10**18 + 10**9])


def _write(tmp_path, blocks=4):
    b, p = make_columns(seed=1)
    path = tmp_path / 'nf.msr'
    write_records(path, HEADER, b, p, block_packets=len(p) // blocks + 1)
    data = path.read_bytes()
    offsets, off = [], len(HEADER.pack())
    while off < len(data):
        offsets.append(off)
        (psize,) = struct.unpack_from('<I', data, off + 4)
        off += fmt.BLOCK_HEADER.size + 4 + psize
    return path, data, offsets


def test_truncated_file_reads_up_to_last_good_block(tmp_path):
    path, data, offsets = _write(tmp_path)
    cut = offsets[-1] + 100
    path.write_bytes(data[:cut])
    with pytest.raises(RecordFormatError) as ei:
        read_records(path)
    assert ei.value.offset == offsets[-1]
    assert str(path) in str(ei.value) and 'truncated' in str(ei.value)
    rec = read_records(path, on_error='truncate')
    assert rec.n_blocks == len(offsets) - 1
    assert isinstance(rec.error, RecordFormatError)
    b, p = make_columns(seed=1)
    nb = len(rec.bursts)
    assert 0 < nb < len(b)
    np.testing.assert_array_equal(rec.bursts.tsc, b.tsc[:nb])
    np.testing.assert_array_equal(rec.packets.ipid, p.ipid[:len(rec.packets)])


def test_flipped_byte_is_a_checksum_error_at_its_block(tmp_path):
    path, data, offsets = _write(tmp_path)
    bad = bytearray(data)
    bad[offsets[2] + 70] ^= 0x40
    path.write_bytes(bytes(bad))
    with pytest.raises(RecordFormatError, match='checksum') as ei:
        read_records(path)
    assert ei.value.offset == offsets[2]
    assert read_records(path, on_error='truncate').n_blocks == 2


def test_wrong_magic_version_and_header_damage(tmp_path):
    path, data, _ = _write(tmp_path)
    path.write_bytes(b'NOTMSCOP' + data[8:])
    with pytest.raises(RecordFormatError, match='bad magic') as ei:
        read_records(path)
    assert ei.value.offset == 0
    path.write_bytes(data[:8] + struct.pack('<H', 9) + data[10:])
    with pytest.raises(RecordFormatError, match='unsupported format version 9'):
        read_records(path, on_error='truncate')
    bad = bytearray(data)
    bad[50] ^= 1      # inside nf_name
    path.write_bytes(bytes(bad))
    with pytest.raises(RecordFormatError, match='header checksum'):
        read_records(path)
    path.write_bytes(b'')
    with pytest.raises(RecordFormatError, match='empty file'):
        read_records(path)
    path.write_bytes(data[:20])
    with pytest.raises(RecordFormatError, match='shorter than the header'):
        read_records(path)


def test_read_header_only(tmp_path):
    path, _, _ = _write(tmp_path)
    assert read_header(path) == HEADER


def test_writer_refuses_bad_columns(tmp_path):
    b, p = make_columns(seed=2, nb=10)
    b.tsc[5] = b.tsc[4] - 1
    with pytest.raises(ValueError, match='must not decrease'):
        write_records(tmp_path / 'x.msr', HEADER, b, p)
    assert not (tmp_path / 'x.msr').exists()
    assert not (tmp_path / 'x.msr.part').exists()
    b, p = make_columns(seed=2, nb=10)
    with pytest.raises(ValueError, match='burst counts'):
        block.encode_block(b, p.slice(0, len(p) - 1))
    p.has_tuple[:] = True
    p.ipv4[0] = False
    with pytest.raises(ValueError, match='only recorded for IPv4'):
        block.encode_block(b, p)
