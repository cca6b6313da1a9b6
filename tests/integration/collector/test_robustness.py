"""The datapath never waits and the dumper can die: a full ring drops and
counts records without slowing or crashing the NF; a dumper killed with
SIGKILL leaves readable files and a restarted one carries on."""
import time

import numpy as np
import pytest

from microscope_plugin.collector import CollectorRun
from microscope_plugin.collector.testpmd import build_testpmd_cmd, forward_totals
from microscope_plugin.trace import read_records
from tests.integration.collector.traffic import make_pcap

pytestmark = pytest.mark.dpdk


def test_full_ring_drops_and_counts_without_disturbing_the_nf(
        artifacts, tmp_path, prefix):
    n = 20000
    make_pcap(tmp_path / 'in.pcap', n, seed=4)
    cmd = build_testpmd_cmd(prefix, ['net_pcap0,rx_pcap=%s,tx_pcap=%s'
                                     % (tmp_path / 'in.pcap',
                                        tmp_path / 'out.pcap')],
                            port_topology='loop')
    with CollectorRun(cmd, 'tiny', tmp_path / 'rec', ring_size=16 << 10,
                      dumper=False, artifacts=artifacts,
                      log_dir=tmp_path / 'logs') as run:
        run.start()
        assert run.wait_rings_idle(min_head=1, quiet=1.0)
        (ring,) = run.rings()
        assert ring.data_size == 16 << 10
        assert ring.dropped_packets > 0 and ring.dropped_bursts > 0
        run.stop()
        out = run.nf_output()
        assert run.nf_returncode == 0, out
        # every packet was forwarded although most records were dropped
        assert forward_totals(out) == (n, 0, n, 0)
        # the NF is gone; a dumper started now still gets what the ring held
        run.start_dumper()
        assert run.wait_drained(30), run.dumper_output()
        run.stop_dumper()
        rec = run.read()
    assert rec.error is None
    assert len(rec.packets) > 0
    assert len(rec.packets) + rec.dropped_packets == 2 * n
    assert rec.dropped_packets == ring.dropped_packets
    assert rec.dropped_bursts == ring.dropped_bursts


def test_dumper_killed_and_restarted(artifacts, tmp_path, prefix):
    make_pcap(tmp_path / 'in.pcap', 4096, seed=6)
    # noisy forwarding with memory lookups: a busy NF at a few Mpps
    cmd = build_testpmd_cmd(
        prefix, ['net_pcap0,rx_pcap=%s,infinite_rx=1' % (tmp_path / 'in.pcap')],
        port_topology='loop', forward_mode='noisy',
        app_args=['--noisy-lkup-memory=16', '--noisy-lkup-num-reads=64',
                  '--noisy-lkup-num-writes=16'])
    with CollectorRun(cmd, 'nat', tmp_path / 'rec', artifacts=artifacts,
                      log_dir=tmp_path / 'logs',
                      settings={'flush_ms': 100, 'zlib_level': 1}) as run:
        run.start()
        time.sleep(1.5)
        assert run.rings(), run.nf_output()
        run.kill_dumper()
        assert list(run.out_dir.glob('*.msr.part')), 'no file was open'
        time.sleep(0.5)
        restart_ns = time.time_ns()
        run.start_dumper()
        time.sleep(1.5)
        run.stop()
        assert run.nf_returncode == 0, run.nf_output()
        log = run.dumper_output()
        files = run.files()
        leftovers = list(run.out_dir.glob('*.part'))
    assert 'recovered' in log, log
    assert not leftovers
    assert len(files) >= 2
    parts = [read_records(f) for f in files]       # raises if unreadable
    assert all(p.error is None and len(p.packets) for p in parts)
    after = np.concatenate([p.burst_ns() for p in parts]) > restart_ns
    assert after.sum() > 100
    # what was lost while no dumper ran is reported, not silently missing
    assert sum(p.dropped_packets for p in parts) > 0


def test_dumper_rotates_files(artifacts, tmp_path, prefix):
    make_pcap(tmp_path / 'in.pcap', 4096, seed=7)
    cmd = build_testpmd_cmd(
        prefix, ['net_pcap0,rx_pcap=%s,infinite_rx=1' % (tmp_path / 'in.pcap')],
        port_topology='loop', forward_mode='noisy',
        app_args=['--noisy-lkup-memory=16', '--noisy-lkup-num-reads=64'])
    with CollectorRun(cmd, 'rot', tmp_path / 'rec', artifacts=artifacts,
                      log_dir=tmp_path / 'logs',
                      settings={'flush_ms': 100, 'rotate_s': 1}) as run:
        run.start()
        time.sleep(3.5)
        run.stop()
        files = run.files()
        whole = run.read()
    assert len(files) >= 3, files
    parts = [read_records(f) for f in files]
    assert all(p.error is None for p in parts)
    # consecutive files continue each other in time
    for a, b in zip(parts, parts[1:]):
        if len(a.bursts) and len(b.bursts):
            assert a.bursts.tsc.max() <= b.bursts.tsc.min()
    assert len(whole.packets) == sum(len(p.packets) for p in parts)
