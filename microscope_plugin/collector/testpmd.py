"""``dpdk-testpmd`` command lines and output parsing (tests, benchmark).

Debian's testpmd, without hugepages or PCI devices: ``--no-huge``, a
unique ``--file-prefix`` per process, ``--no-shconf`` (no shared config
files left under /var/run/dpdk), virtual devices only (net_pcap,
net_memif).
"""
import re

TESTPMD = 'dpdk-testpmd'


def build_testpmd_cmd(file_prefix, vdevs, lcores='0,1', mem_mb=128,
                      mbufs=8192, forward_mode='io', port_topology=None,
                      no_flush_rx=True, stats_period=None, app_args=(),
                      eal_args=()):
    """A non-interactive testpmd that forwards as soon as its links are up
    and exits on a newline on stdin (or on a signal)."""
    cmd = [TESTPMD, '--lcores', lcores, '--no-huge', '-m', str(mem_mb),
           '--no-pci', '--file-prefix', file_prefix, '--no-telemetry',
           '--no-shconf']
    for vdev in vdevs:
        cmd += ['--vdev', vdev]
    cmd += list(eal_args)
    cmd += ['--', '--total-num-mbufs=%d' % mbufs,
            '--forward-mode=%s' % forward_mode]
    if no_flush_rx:
        cmd.append('--no-flush-rx')
    if port_topology:
        cmd.append('--port-topology=%s' % port_topology)
    if stats_period:
        cmd.append('--stats-period=%d' % stats_period)
    return cmd + list(app_args)


_ACCUM = re.compile(r'Accumulated forward statistics for all ports\+*\s*'
                    r'RX-packets:\s*(\d+)\s+RX-dropped:\s*(\d+)\s+RX-total:\s*(\d+)'
                    r'\s*TX-packets:\s*(\d+)\s+TX-dropped:\s*(\d+)')


def forward_totals(output):
    """(rx, rx_dropped, tx, tx_dropped) from testpmd's final statistics,
    or ``None`` if it printed none."""
    m = _ACCUM.search(output)
    if m is None:
        return None
    rx, rxd, _tot, tx, txd = (int(x) for x in m.groups())
    return rx, rxd, tx, txd


_PPS = re.compile(r'Tx-pps:\s*(\d+)')


def tx_pps_samples(output):
    """Per-period Tx-pps figures printed with ``--stats-period`` (testpmd
    times them itself, so buffered output does not distort them)."""
    return [int(x) for x in _PPS.findall(output)]
