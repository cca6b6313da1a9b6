"""A statically linked DPDK NF (where LD_PRELOAD cannot interpose) records
through the explicit form: libmicroscope_collector.a and
microscope_collector_attach_port() after rte_eth_dev_start()."""
import subprocess

import numpy as np
import pytest

from microscope_plugin.collector import CollectorRun
from microscope_plugin.collector import build as build_mod
from microscope_plugin.trace import format as fmt
from tests.integration.collector.traffic import make_pcap

pytestmark = pytest.mark.dpdk


def test_statically_linked_nf_with_explicit_attach(artifacts, tmp_path, prefix):
    out = build_mod.build_targets(['examples'], artifacts.build_dir)
    nf = out / 'explicit-nf-static'
    ldd = subprocess.run(['ldd', str(nf)], capture_output=True, text=True)
    assert 'librte_' not in ldd.stdout          # DPDK is inside the binary
    cap = make_pcap(tmp_path / 'in.pcap', 3000, seed=8)
    cmd = [nf, '--no-huge', '-m', '128', '--no-pci', '--file-prefix', prefix,
           '--no-telemetry', '--no-shconf', '--vdev', 'net_pcap0,rx_pcap=%s,tx_pcap=%s'
           % (tmp_path / 'in.pcap', tmp_path / 'out.pcap'), '--', '500']
    with CollectorRun(cmd, 'static-nf', tmp_path / 'rec', tuples='rx',
                      artifacts=artifacts, log_dir=tmp_path / 'logs',
                      preload=False) as run:
        assert str(artifacts.shim) not in run.nf_env().get('LD_PRELOAD', '')
        run.start()
        assert run.nf.wait(60) == 0, run.nf_output()
        run.stop()
        log = run.nf_output()
        rec = run.read()
    assert 'forwarded 3000 of 3000 packets' in log
    assert 'collector callbacks added: 2' in log
    assert rec.header.flags == fmt.FLAG_TUPLES_RX
    direction = np.repeat(rec.bursts.direction, rec.bursts.count.astype(int))
    for d in (fmt.DIR_RX, fmt.DIR_TX):
        np.testing.assert_array_equal(rec.packets.ipid[direction == d], cap.ipid)
        np.testing.assert_array_equal(rec.packets.ipv4[direction == d], cap.ipv4)
    np.testing.assert_array_equal(rec.packets.has_tuple[direction == 0],
                                  cap.ipv4)
    assert not rec.packets.has_tuple[direction == 1].any()
