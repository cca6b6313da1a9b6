"""The C dumper writes record format v1 exactly as the Python writer does.

``microscope-dumper --convert`` feeds ring records (the bytes the shim
puts into shared memory) through the dumper's own parser and block
encoder into a file; ``read_records`` must return what went in, and with
compression off the file must equal ``write_records``' byte for byte.
"""
import os
import subprocess

import numpy as np
import pytest

from microscope_plugin.trace import FileHeader, read_records, write_records
from microscope_plugin.trace import format as fmt
from microscope_plugin.trace.records import Bursts, Packets
from tests.integration.collector.ringrec import pack_record

TSC_HZ = 2_450_000_000


def _traffic(seed, n_bursts=400, tuples_rx=True, tuples_tx=False):
    """Bursts of a forwarding NF: rx bursts, then tx bursts that mostly
    forward the same packets (REF), sources with per-host IPID counters
    (SUCCESSOR), non-IPv4 frames, three ports and two queues."""
    rng = np.random.default_rng(seed)
    hosts = rng.integers(0, 2**32, 40, dtype=np.uint64).astype(np.uint32)
    counter = rng.integers(0, 65536, 40)
    recs, bursts, pk = [], [], []
    tsc = 10**12
    pending = []
    for b in range(n_bursts):
        tx = bool(pending) and rng.random() < 0.5
        if tx:
            take = pending[:int(rng.integers(1, len(pending) + 1))]
            del pending[:len(take)]
            if rng.random() < 0.2:
                rng.shuffle(take)
            ipid = np.array([p[0] for p in take], dtype=np.uint16)
            ipv4 = np.array([p[1] for p in take], dtype=bool)
            tup = np.array([p[2] for p in take], dtype=np.int64)
            if rng.random() < 0.1:        # a packet the NF made itself
                ipid[0] = rng.integers(0, 65536)
        else:
            n = int(rng.integers(1, 33))
            h = rng.integers(0, 40, n)
            ipid = np.empty(n, dtype=np.uint16)
            for i, hi in enumerate(h):
                counter[hi] = (counter[hi] + 1) % 65536
                ipid[i] = counter[hi]
            ipv4 = rng.random(n) > 0.1
            tup = np.stack([hosts[h], rng.integers(0, 4, n) + 0x0A000000,
                            rng.integers(1024, 1030, n), np.full(n, 80),
                            rng.choice([6, 17, 1], n)], axis=1).astype(np.int64)
            tup[tup[:, 4] == 1, 2:4] = 0
            pending += list(zip(ipid, ipv4, tup))
        with_t = tuples_tx if tx else tuples_rx
        tsc += int(rng.integers(0, 5000))
        port, queue = int(rng.integers(0, 3)), int(rng.integers(0, 2))
        max_pkts = 0 if tx else 32
        recs.append(pack_record(tsc, port, queue, tx, ipid, ipv4, max_pkts,
                                tup.T if with_t else None))
        bursts.append((tsc, port, queue, int(tx), len(ipid), max_pkts))
        t = tup if with_t else np.zeros_like(tup)
        pk.append((ipid, ipv4, ipv4 & with_t, t))
    b = np.array(bursts, dtype=np.int64)
    packets = Packets(
        ipid=np.concatenate([p[0] for p in pk]),
        ipv4=np.concatenate([p[1] for p in pk]),
        has_tuple=np.concatenate([p[2] for p in pk]),
        src=np.concatenate([p[3][:, 0] for p in pk]).astype(np.uint32),
        dst=np.concatenate([p[3][:, 1] for p in pk]).astype(np.uint32),
        sport=np.concatenate([p[3][:, 2] for p in pk]).astype(np.uint16),
        dport=np.concatenate([p[3][:, 3] for p in pk]).astype(np.uint16),
        proto=np.concatenate([p[3][:, 4] for p in pk]).astype(np.uint8))
    for col in ('src', 'dst', 'sport', 'dport', 'proto'):
        getattr(packets, col)[~packets.has_tuple] = 0
    packets.ipid[~packets.ipv4] = 0
    bur = Bursts(tsc=b[:, 0].astype(np.uint64), port=b[:, 1].astype(np.uint16),
                 queue=b[:, 2].astype(np.uint16),
                 direction=b[:, 3].astype(np.uint8),
                 count=b[:, 4].astype(np.uint32),
                 max_pkts=b[:, 5].astype(np.uint32))
    return b''.join(recs), bur, packets


def _convert(dumper, tmp_path, raw, settings):
    src = tmp_path / 'ring.bin'
    src.write_bytes(raw)
    out = tmp_path / 'c.msr'
    subprocess.run([str(dumper), '--convert', str(src), str(out),
                    '--tsc-hz', str(TSC_HZ), 'nf_name=fw1'] + settings,
                   check=True, capture_output=True, timeout=60)
    return out


def _assert_same(rec, bursts, packets, shift):
    np.testing.assert_array_equal(rec.bursts.tsc, bursts.tsc >> np.uint64(shift))
    for col in ('port', 'queue', 'direction', 'count', 'max_pkts'):
        np.testing.assert_array_equal(getattr(rec.bursts, col),
                                      getattr(bursts, col), err_msg=col)
    for col in ('ipid', 'ipv4', 'has_tuple', 'src', 'dst', 'sport', 'dport',
                'proto'):
        np.testing.assert_array_equal(getattr(rec.packets, col),
                                      getattr(packets, col), err_msg=col)


@pytest.mark.parametrize('level', [0, 1, 6])
@pytest.mark.parametrize('tuples', ['rx', 'both', 'off'])
def test_c_writer_round_trip(dumper_build, tmp_path, level, tuples):
    raw, bursts, packets = _traffic(7, tuples_rx=tuples != 'off',
                                    tuples_tx=tuples == 'both')
    out = _convert(dumper_build.dumper, tmp_path, raw,
                   ['zlib_level=%d' % level, 'tuples=%s' % tuples,
                    'block_packets=512', 'tsc_shift=auto'])
    rec = read_records(out)
    assert rec.error is None and rec.n_blocks > 3
    shift = 5       # auto: 2^5 ticks of 2.45 GHz = 13 ns, 2^6 > 16 ns
    assert rec.header.tsc_hz == TSC_HZ >> shift
    assert rec.header.nf_name == 'fw1'
    flags = {'off': 0, 'rx': fmt.FLAG_TUPLES_RX,
             'both': fmt.FLAG_TUPLES_RX | fmt.FLAG_TUPLES_TX}[tuples]
    assert rec.header.flags == flags
    _assert_same(rec, bursts, packets, shift)
    if level:
        codecs = _block_codecs(out)
        assert fmt.CODEC_ZLIB in codecs


def _block_codecs(path):
    buf = path.read_bytes()
    _, off = fmt.unpack_header(buf, path)
    codecs = []
    while off < len(buf):
        head = fmt.BLOCK_HEADER.unpack_from(buf, off)
        codecs.append(head[-1])
        off += fmt.BLOCK_HEADER.size + 4 + head[1]
    return codecs


def test_c_writer_equals_python_writer_byte_for_byte(dumper_build, tmp_path):
    raw, bursts, packets = _traffic(11, tuples_rx=True, tuples_tx=True)
    out = _convert(dumper_build.dumper, tmp_path, raw,
                   ['zlib_level=0', 'tuples=both', 'block_packets=300',
                    'tsc_shift=0'])
    py = tmp_path / 'py.msr'
    header = FileHeader(nf_name='fw1', host='', tsc_hz=TSC_HZ,
                        flags=fmt.FLAG_TUPLES_RX | fmt.FLAG_TUPLES_TX)
    write_records(py, header, bursts, packets, block_packets=300,
                  compress=False)
    assert out.read_bytes() == py.read_bytes()


def test_c_writer_uses_compact_codes(dumper_build, tmp_path):
    """Forwarded packets are REF-coded and per-host IPID runs SUCCESSOR-
    coded, so few IPIDs are stored literally."""
    raw, bursts, packets = _traffic(3, n_bursts=2000, tuples_rx=True)
    out = _convert(dumper_build.dumper, tmp_path, raw,
                   ['zlib_level=0', 'tuples=rx', 'block_packets=65536'])
    buf = out.read_bytes()
    _, off = fmt.unpack_header(buf, out)
    head = fmt.BLOCK_HEADER.unpack_from(buf, off)
    payload = buf[off + 56:off + 56 + head[1]]
    assert payload[0] == 12          # 3 ports x 2 queues x 2 directions
    nb, npk = head[3], head[4]
    pos = 1 + 5 * 12
    for _ in range(4):                # timestamps, streams, counts, max_pkts
        if _ == 1:
            pos += nb
            continue
        ends = 0
        while ends < nb:
            ends += payload[pos] < 0x80
            pos += 1
    kinds = np.frombuffer(payload[pos:pos + npk], dtype=np.uint8) & 3
    rec = read_records(out)
    _assert_same(rec, bursts, packets, 5)
    direction = np.repeat(rec.bursts.direction, rec.bursts.count.astype(int))
    tx4 = rec.packets.ipv4 & (direction == 1)
    assert (kinds == fmt.KIND_REF).sum() > 0.85 * tx4.sum()
    rx_tuple = rec.packets.has_tuple & (direction == 0)
    assert (kinds == fmt.KIND_SUCCESSOR).sum() > 0.5 * rx_tuple.sum()
    assert (kinds == fmt.KIND_LITERAL).sum() < 0.3 * len(kinds)


def test_c_writer_rejects_garbage(dumper_build, tmp_path):
    raw, _, _ = _traffic(5, n_bursts=10)
    src = tmp_path / 'ring.bin'
    src.write_bytes(raw + b'\x01' * 24)
    proc = subprocess.run([str(dumper_build.dumper), '--convert', str(src),
                           str(tmp_path / 'x.msr'), '--tsc-hz', '1000'],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert 'bad record' in proc.stderr


def test_dumper_reads_config_file_and_environment(dumper_build, tmp_path):
    raw, bursts, packets = _traffic(13, n_bursts=50, tuples_rx=False)
    conf = tmp_path / 'collector.conf'
    conf.write_text('[collector]\n# comment\nnf_name = from-file\n'
                    'zlib_level = 0\ntsc_shift = 2\n')
    src = tmp_path / 'ring.bin'
    src.write_bytes(raw)
    env = dict(os.environ, MICROSCOPE_CONFIG=str(conf),
               MICROSCOPE_TSC_SHIFT='3')          # the environment wins
    proc = subprocess.run([str(dumper_build.dumper), '--convert', str(src),
                           str(tmp_path / 'o.msr'), '--tsc-hz', str(TSC_HZ)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    rec = read_records(tmp_path / 'o.msr')
    assert rec.header.nf_name == 'from-file'
    assert rec.header.tsc_hz == TSC_HZ >> 3
    assert _block_codecs(tmp_path / 'o.msr') == [fmt.CODEC_RAW]
    _assert_same(rec, bursts, packets, 3)
    conf.write_text('ring_size = lots\n')
    proc = subprocess.run([str(dumper_build.dumper), '--convert', str(src),
                           str(tmp_path / 'p.msr'), '--tsc-hz', '1000'],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert 'bad config entry ring_size = lots' in proc.stderr
