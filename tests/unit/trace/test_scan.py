"""Scanning a record file's framing without decoding it (ingest's check)."""
import numpy as np
import pytest

from microscope_plugin.trace import Bursts, FileHeader, Packets, scan
from microscope_plugin.trace import block, read_records
from microscope_plugin.trace.format import RecordFormatError


def make_file(n_blocks=3, per=4):
    header = FileHeader(nf_name='nat1', host='h', tsc_hz=62_500_000,
                        anchor_tsc=1000, anchor_unix_ns=10**18)
    data = header.pack()
    for k in range(n_blocks):
        b = Bursts(tsc=np.arange(per, dtype=np.uint64) * 10 + 2000 + 100 * k,
                   port=np.zeros(per, np.uint16),
                   queue=np.zeros(per, np.uint16),
                   direction=np.zeros(per, np.uint8),
                   count=np.ones(per, np.uint32),
                   max_pkts=np.full(per, 32, np.uint32))
        p = Packets.zeros(per)
        p.ipv4[:] = True
        p.ipid[:] = np.arange(per) + 10 * k
        data += block.encode_block(b, p)
    return data


def test_scan_matches_the_reader(tmp_path):
    data = make_file()
    f = tmp_path / 'a.msr'
    f.write_bytes(data)
    s = scan.scan_file(f, verify=True)
    r = read_records(f)
    assert s.n_blocks == r.n_blocks == 3
    assert int(s.n_packets.sum()) == len(r.packets)
    assert s.start_ns[0] == r.burst_ns()[0] and s.end_ns[-1] == r.burst_ns()[-1]
    assert all(s.start_ns[i] <= s.end_ns[i] for i in range(3))
    assert b''.join(s.block_bytes(i) for i in range(3)) == \
        data[len(s.header_bytes):]
    assert len(s.header_sha256) == 64


@pytest.mark.parametrize('cut', [1, 30, 60])
def test_truncation_names_the_block_offset(cut):
    data = make_file()
    s = scan.scan_bytes(data, 'x.msr')
    with pytest.raises(RecordFormatError) as e:
        scan.scan_bytes(data[:-cut], 'x.msr')
    assert e.value.offset == int(s.offset[-1]) and e.value.path == 'x.msr'


def test_corruption_and_garbage():
    data = bytearray(make_file())
    s = scan.scan_bytes(bytes(data), 'x.msr')
    data[int(s.offset[1]) + 60] ^= 1
    with pytest.raises(RecordFormatError) as e:
        scan.scan_bytes(bytes(data), 'x.msr')
    assert e.value.offset == int(s.offset[1])
    assert 'checksum' in e.value.reason
    for junk in (b'', b'hello', b'MSCOPREC' + b'\0' * 40):
        with pytest.raises(RecordFormatError):
            scan.scan_bytes(junk, 'j.msr')


def test_header_only_file_has_no_blocks():
    header = FileHeader(nf_name='tap', role=1)
    assert scan.scan_bytes(header.pack(), 'h.msr').n_blocks == 0
