"""Two unmodified testpmd NFs in separate processes, chained over
net_memif, each recorded by the collector: the records link the packets
NF1 sent to the packets NF2 received (paper §5)."""
import os
import time

import numpy as np
import pytest

from microscope_plugin.collector import CollectorRun
from microscope_plugin.collector.testpmd import build_testpmd_cmd, forward_totals
from microscope_plugin.pcap import write_pcap
from microscope_plugin.topology import NF, Topology
from microscope_plugin.trace import format as fmt
from microscope_plugin.trace.reconstruct import reconstruct
from tests.integration.collector.traffic import make_pcap

pytestmark = pytest.mark.dpdk

PASSES = 6          # NF1 replays its pcap once per port restart
PER_PASS = 3000     # fits the memif ring (4096): no loss between the NFs


def linked_correctly(r1, r2):
    """Reconstruct the two-NF trace (§5) and count NF2 rx records linked to
    the NF1 tx record that sent them: memif keeps order and loses
    nothing here, so the i-th packet NF2 read is the i-th NF1 sent."""
    topo = Topology(nfs=(NF('nf1', 'io'), NF('nf2', 'io')),
                    edges=(('nf1', 'nf2'),))
    trace = reconstruct(topo, [r1, r2])
    v1, v2 = trace.views
    sent = np.flatnonzero((v1.tx_port == 1) & v1.tx_ipv4)
    got = v2.rx_up[v2.rx_ipv4] - trace.tx_offsets[0]
    n = min(len(sent), len(got))
    return int((got[:n] == sent[:n]).sum()), trace.summary()


def say(run, line):
    """Type a command into an interactive testpmd."""
    run.nf.stdin.write(line.encode() + b'\n')
    run.nf.stdin.flush()


def ask(run, line, answer, timeout=60):
    """Repeat ``line`` to an interactive testpmd until its output after
    the command contains ``answer``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = len(run.nf_output())
        say(run, line)
        time.sleep(0.3)
        if answer in run.nf_output()[seen:]:
            return True
    return False


def _ipids(rec, direction, port):
    per_packet = np.repeat(np.arange(len(rec.bursts)),
                           rec.bursts.count.astype(np.int64))
    b = rec.bursts
    sel = (b.direction[per_packet] == direction) & (b.port[per_packet] == port)
    sel &= rec.packets.ipv4
    return rec.packets.ipid[sel]


def test_two_nfs_chained_over_memif_link(artifacts, tmp_path, prefix):
    cap = make_pcap(tmp_path / 'in.pcap', PER_PASS, seed=9)
    write_pcap(tmp_path / 'empty.pcap', [])
    sock = tmp_path / 'memif.sock'
    nf2_cmd = build_testpmd_cmd(
        prefix + '-nf2',
        ['net_memif0,role=server,socket=%s,socket-abstract=no,rsize=12' % sock,
         'net_pcap1,rx_pcap=%s,tx_pcap=%s' % (tmp_path / 'empty.pcap',
                                              tmp_path / 'out.pcap')],
        lcores='0@1,1@0', mbufs=16384, app_args=['-i'])
    nf1_cmd = build_testpmd_cmd(
        prefix + '-nf1',
        ['net_pcap0,rx_pcap=%s,tx_pcap=%s' % (tmp_path / 'in.pcap',
                                              tmp_path / 'nf1-out.pcap'),
         'net_memif1,role=client,socket=%s,socket-abstract=no,rsize=12' % sock],
        lcores='0@0,1@1', mbufs=16384, app_args=['-i'])
    out = tmp_path / 'rec'
    with CollectorRun(nf2_cmd, 'nf2', out, artifacts=artifacts,
                      log_dir=tmp_path / 'logs') as nf2, \
            CollectorRun(nf1_cmd, 'nf1', out, artifacts=artifacts,
                         log_dir=tmp_path / 'logs') as nf1:
        nf2.start()
        deadline = time.monotonic() + 60
        while not os.path.exists(sock) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert os.path.exists(sock), nf2.nf_output()
        nf1.start()
        # The memif client connects asynchronously; what NF1 sent before
        # that would be recorded and then dropped by the driver.
        assert ask(nf1, 'show port info 1', 'Link status: up'), \
            nf1.nf_output()
        say(nf2, 'start')
        say(nf1, 'start')
        for n in range(1, PASSES + 1):
            assert nf1.wait_rings_idle(min_head=n * PER_PASS * 2 * 2), \
                nf1.nf_output()
            # NF2 has taken this pass out of the memif ring before the next
            assert nf2.wait_rings_idle(min_head=n * PER_PASS * 2 * 2), \
                'NF1:\n%s\nNF2:\n%s' % (nf1.nf_output(), nf2.nf_output())
            if n < PASSES:
                for line in ('stop', 'port stop 0', 'port start 0', 'start'):
                    say(nf1, line)
                    time.sleep(0.1)
        # Both stop polling before the link goes down: DPDK 22.11's memif
        # can crash an NF that is still polling when its peer disconnects
        # (seen without the collector too).
        # (testpmd's statistics are buffered; its refusal to stop twice,
        # on stderr, is the prompt sign that forwarding has stopped.)
        for run in (nf2, nf1):
            assert ask(run, 'stop', 'Packet forwarding not started'), \
                run.nf_output()
        say(nf1, 'quit')
        nf1.stop()          # the client first: traffic is over
        say(nf2, 'quit')
        nf2.stop()
        assert nf1.nf_returncode == 0, nf1.nf_output()
        assert nf2.nf_returncode == 0, nf2.nf_output()
        r1, r2 = nf1.read(), nf2.read()
        totals2 = forward_totals(nf2.nf_output())
    assert r1.dropped_packets == 0 and r2.dropped_packets == 0
    assert totals2 is not None and totals2[2] == PASSES * PER_PASS
    n_in = PASSES * int(cap.ipv4.sum())
    np.testing.assert_array_equal(_ipids(r1, fmt.DIR_RX, 0),
                                  np.tile(cap.ipid[cap.ipv4], PASSES))
    sent = _ipids(r1, fmt.DIR_TX, 1)           # NF1 -> memif
    received = _ipids(r2, fmt.DIR_RX, 0)        # memif -> NF2
    assert len(sent) == n_in and len(received) == n_in
    linked, summary = linked_correctly(r1, r2)
    assert linked / n_in >= 0.999, (linked, n_in, summary)
