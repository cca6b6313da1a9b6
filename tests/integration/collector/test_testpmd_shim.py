"""The shim inside an unmodified dpdk-testpmd (LD_PRELOAD) records exactly
what the NF received and sent: bursts, IPIDs and 5-tuples in order,
non-IPv4 frames as such, one VLAN tag handled."""
import time

import numpy as np
import pytest

from microscope_plugin.collector import CollectorRun
from microscope_plugin.collector.testpmd import forward_totals, build_testpmd_cmd
from microscope_plugin.trace import format as fmt
from tests.integration.collector.traffic import make_pcap

pytestmark = pytest.mark.dpdk


def _single_nf(tmp_path, prefix, pcap, extra=()):
    vdev = 'net_pcap0,rx_pcap=%s,tx_pcap=%s' % (pcap, tmp_path / 'out.pcap')
    return build_testpmd_cmd(prefix, [vdev], port_topology='loop',
                             app_args=extra)


def _expect_equal(rec, cap, direction):
    sel = np.repeat(rec.bursts.direction, rec.bursts.count.astype(int)) \
        == direction
    p = rec.packets
    np.testing.assert_array_equal(p.ipv4[sel], cap.ipv4)
    np.testing.assert_array_equal(p.ipid[sel], cap.ipid)
    return sel


def test_testpmd_records_equal_input(artifacts, tmp_path, prefix):
    cap = make_pcap(tmp_path / 'in.pcap', 5000, seed=1)
    assert (~cap.ipv4).sum() > 50 and (cap.vlan & cap.ipv4).sum() > 50
    start_ns = time.time_ns()
    with CollectorRun(_single_nf(tmp_path, prefix, tmp_path / 'in.pcap'),
                      'nf-under-test', tmp_path / 'rec', tuples='both',
                      artifacts=artifacts, log_dir=tmp_path / 'logs') as run:
        run.start()
        assert run.wait_rings_idle(min_head=5000 * 2 * 2), run.nf_output()
        run.stop()
        out = run.nf_output()
        assert run.nf_returncode == 0, out
        assert 'recording 1 rx and 1 tx queues' in out
        rec = run.read()
        assert 'finished' in run.dumper_output()
    assert forward_totals(out) == (5000, 0, 5000, 0)
    assert rec.error is None and rec.dropped_packets == 0
    assert rec.header.nf_name == 'nf-under-test'
    assert rec.header.flags == fmt.FLAG_TUPLES_RX | fmt.FLAG_TUPLES_TX
    assert 10e6 < rec.header.tsc_hz < 1e9        # about 16 ns ticks
    assert abs(rec.header.anchor_unix_ns - start_ns) < 60e9
    b = rec.bursts
    rx = b.direction == fmt.DIR_RX
    assert b.count[rx].sum() == 5000 and b.count[~rx].sum() == 5000
    assert set(b.max_pkts[rx]) == {32} and set(b.max_pkts[~rx]) == {0}
    assert b.count.max() <= 32 and b.count.min() >= 1
    assert set(b.port) == {0} and set(b.queue) == {0}
    assert np.all(np.diff(b.tsc.astype(np.int64)) >= 0)
    ns = rec.burst_ns()
    assert np.all((ns > start_ns - 1e9) & (ns < time.time_ns() + 1e9))
    for direction in (fmt.DIR_RX, fmt.DIR_TX):
        sel = _expect_equal(rec, cap, direction)
        p = rec.packets
        np.testing.assert_array_equal(p.has_tuple[sel], cap.ipv4)
        for col in ('src', 'dst', 'sport', 'dport', 'proto'):
            np.testing.assert_array_equal(getattr(p, col)[sel][cap.ipv4],
                                          getattr(cap, col)[cap.ipv4],
                                          err_msg=col)


def test_testpmd_without_tuples_records_ipids_only(artifacts, tmp_path, prefix):
    cap = make_pcap(tmp_path / 'in.pcap', 3000, seed=2)
    with CollectorRun(_single_nf(tmp_path, prefix, tmp_path / 'in.pcap'),
                      'nf2', tmp_path / 'rec', tuples='off',
                      artifacts=artifacts, log_dir=tmp_path / 'logs') as run:
        run.start()
        assert run.wait_rings_idle(min_head=3000 * 2 * 2), run.nf_output()
        run.stop()
        rec = run.read()
    assert rec.header.flags == 0 and not rec.packets.has_tuple.any()
    for direction in (fmt.DIR_RX, fmt.DIR_TX):
        _expect_equal(rec, cap, direction)
    # every forwarded IPv4 packet is a reference to its rx record:
    # about a byte per packet record even before zlib
    assert rec.file_bytes / len(rec.packets) < 2.0


def test_port_restart_registers_callbacks_once(artifacts, tmp_path, prefix):
    """testpmd stops and restarts its port (net_pcap replays the file on
    start): every packet is recorded once per pass, not twice."""
    cap = make_pcap(tmp_path / 'in.pcap', 2000, seed=3)
    cmd = _single_nf(tmp_path, prefix, tmp_path / 'in.pcap', ['-i'])
    with CollectorRun(cmd, 'nf3', tmp_path / 'rec', artifacts=artifacts,
                      log_dir=tmp_path / 'logs', stop_mode='stdin') as run:
        run.start()

        def say(line):
            run.nf.stdin.write(line.encode() + b'\n')
            run.nf.stdin.flush()
        say('start')
        assert run.wait_rings_idle(min_head=2000 * 2 * 2), run.nf_output()
        for line in ('stop', 'port stop all', 'port start all', 'start'):
            say(line)
            time.sleep(0.3)
        assert run.wait_rings_idle(min_head=2 * 2000 * 2 * 2), run.nf_output()
        say('stop')
        say('quit')
        run.stop()
        rec = run.read()
        out = run.nf_output()
    assert out.count('recording 1 rx and 1 tx queues') == 1, out
    direction = np.repeat(rec.bursts.direction, rec.bursts.count.astype(int))
    for d in (fmt.DIR_RX, fmt.DIR_TX):
        np.testing.assert_array_equal(rec.packets.ipid[direction == d],
                                      np.concatenate([cap.ipid, cap.ipid]))
