#!/usr/bin/env python3
"""Cost of the DPDK collector on the NF datapath, and size of its records.

Runs Debian's dpdk-testpmd over a net_pcap vdev replaying a generated pcap
forever (``infinite_rx=1``: real Ethernet/IPv4 headers, per-host IPID
counters; transmitted packets are dropped by the PMD), alternating runs
without and with the collector (shim via LD_PRELOAD + dumper), in two NF
modes:

* ``io``    — plain forwarding: the cheapest possible NF, the worst case
              for a per-packet cost;
* ``noisy`` — ``--forward-mode=noisy`` with memory lookups per packet: a
              heavier NF in the few-Mpps range.

For each mode it prints the median forwarding rate without the collector,
with the shim and a consumer that releases the ring unread (the NF-side
cost alone), and with the shim and the dumper writing record files; the
collector's cost in ns per forwarded packet (1/pps_with - 1/pps_without);
the same in CPU time of testpmd's forwarding thread per forwarded packet
(robust to other processes sharing the CPUs); the bytes written per
packet record and the records the collector dropped (ring full).  Targets: at most
5 ns per packet, at most 2.0 bytes per packet record, no drops while the
dumper keeps up.

    python benchmarks/collector_overhead.py [--duration 8] [--rounds 3]
"""
import argparse
import os
import pathlib
import shutil
import statistics
import struct
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from microscope_plugin.collector import build as build_mod  # noqa: E402
from microscope_plugin.collector import CollectorRun  # noqa: E402
from microscope_plugin.collector.testpmd import (  # noqa: E402
    build_testpmd_cmd, forward_totals, tx_pps_samples)
from microscope_plugin.pcap import build_frame, write_pcap  # noqa: E402

MODES = {
    'io': ('io', []),
    'noisy': ('noisy', ['--noisy-lkup-memory=64', '--noisy-lkup-num-reads=16',
                        '--noisy-lkup-num-writes=4']),
}


def make_input(path, n=4096, hosts=64, seed=1):
    import numpy as np
    rng = np.random.default_rng(seed)
    counter = rng.integers(0, 65536, hosts)
    frames = []
    for _ in range(n):
        h = int(rng.integers(0, hosts))
        counter[h] = (counter[h] + 1) % 65536
        frames.append(build_frame(src=0x0A000000 + h, dst=0xC0A80001,
                                  sport=int(rng.integers(1024, 65536)),
                                  dport=443, proto=17, ipid=int(counter[h])))
    write_pcap(path, frames)


def file_packet_records(path):
    """(packet records, dropped packets) from the block headers alone."""
    data = path.read_bytes()
    (hsize,) = struct.unpack_from('<H', data, 10)
    off, n, dropped = hsize, 0, 0
    while off + 56 <= len(data):
        psize, _raw, _nb, npk = struct.unpack_from('<IIII', data, off + 4)
        (dpk,) = struct.unpack_from('<I', data, off + 40)
        n += npk
        dropped += dpk
        off += 56 + psize
    return n, dropped


def cpu_seconds(pid):
    try:
        with open('/proc/%d/stat' % pid) as fh:
            fields = fh.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
    except OSError:
        return float('nan')


def worker_cpu_seconds(pid):
    """CPU time of testpmd's forwarding lcore thread (lcore-worker-*)."""
    total = 0.0
    try:
        tids = os.listdir('/proc/%d/task' % pid)
    except OSError:
        return float('nan')
    for tid in tids:
        try:
            with open('/proc/%d/task/%s/comm' % (pid, tid)) as fh:
                if 'worker' not in fh.read():
                    continue
            with open('/proc/%d/task/%s/stat' % (pid, tid)) as fh:
                fields = fh.read().rsplit(')', 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) \
                / os.sysconf('SC_CLK_TCK')
        except OSError:
            pass
    return total


def one_run(art, work, pcap, mode, variant, duration, settings, tag):
    """variant: 'off' (no collector), 'datapath' (shim + a consumer that
    only releases the ring: the NF-side cost alone) or 'full' (shim +
    dumper writing record files)."""
    fwd, extra = MODES[mode]
    cmd = build_testpmd_cmd('mscbench-%d-%s' % (os.getpid(), tag),
                            ['net_pcap0,rx_pcap=%s,infinite_rx=1' % pcap],
                            lcores='0@0,1@1', port_topology='loop',
                            forward_mode=fwd, stats_period=1, app_args=extra)
    out = work / tag
    run = CollectorRun(cmd, 'bench', out / 'rec', collector=variant != 'off',
                       artifacts=art, log_dir=out, stop_mode='sigint',
                       dumper_cpus={0}, settings=settings,
                       dumper_args=['--discard'] if variant == 'datapath'
                       else ())
    with run:
        run.start()
        time.sleep(duration)
        dumper_cpu = cpu_seconds(run.dumper.pid) if run.dumper else 0.0
        nf_cpu = worker_cpu_seconds(run.nf.pid)
        run.stop()
        samples = tx_pps_samples(run.nf_output())
        totals = forward_totals(run.nf_output())
        files = run.files()
        rings = run.rings()
    steady = samples[2:] or samples
    pps = statistics.median(steady) if steady else float('nan')
    records = dropped = size = 0
    for f in files:
        n, d = file_packet_records(f)
        records += n
        dropped += d
        size += f.stat().st_size
    shutil.rmtree(out, ignore_errors=True)
    forwarded = totals[2] if totals else 0
    return {'pps': pps, 'records': records, 'dropped': dropped,
            'cpu_ns': 1e9 * nf_cpu / forwarded if forwarded else float('nan'),
            'bytes': size, 'dumper_cpu': dumper_cpu / duration,
            'leftover_rings': len(rings)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--duration', type=float, default=8.0,
                    help='seconds per run (default 8)')
    ap.add_argument('--rounds', type=int, default=3,
                    help='alternating rounds per mode (default 3)')
    ap.add_argument('--ring-size', default='1M',
                    help='collector ring bytes (default 1M)')
    ap.add_argument('--zlib-level', type=int, default=None,
                    help='dumper zlib level (default: the collector default)')
    ap.add_argument('--modes', default='io,noisy')
    args = ap.parse_args()
    reason = build_mod.dpdk_missing()
    if reason:
        sys.exit('cannot run: ' + reason)
    settings = {'ring_size': args.ring_size}
    if args.zlib_level is not None:
        settings['zlib_level'] = args.zlib_level
    work = pathlib.Path(tempfile.mkdtemp(prefix='microscope-bench-'))
    art = build_mod.build(work / 'build')
    pcap = work / 'in.pcap'
    make_input(pcap)
    print('testpmd on net_pcap infinite_rx (64-byte UDP, real headers), '
          'forwarding lcore on cpu 1, dumper on cpu 0; %.0f s per run, '
          '%d rounds; settings %s' % (args.duration, args.rounds, settings))
    variants = ('off', 'datapath', 'full')
    for mode in args.modes.split(','):
        res = {v: [] for v in variants}
        for r in range(args.rounds):
            for v in variants:
                res[v].append(one_run(art, work, pcap, mode, v, args.duration,
                                      settings, '%s-%s-%d' % (mode, v, r)))
            print('  %-5s round %d: %s Mpps, %s CPU ns/pkt (off, datapath, '
                  'full); full: %d records, %d dropped, dumper %.0f%% of a core'
                  % (mode, r, ', '.join('%.2f' % (res[v][-1]['pps'] / 1e6)
                                        for v in variants),
                     ', '.join('%.1f' % res[v][-1]['cpu_ns'] for v in variants),
                     res['full'][-1]['records'], res['full'][-1]['dropped'],
                     100 * res['full'][-1]['dumper_cpu']), flush=True)
        pps = {v: statistics.median(x['pps'] for x in res[v]) for v in variants}
        cpu = {v: statistics.median(x['cpu_ns'] for x in res[v])
               for v in variants}
        full = res['full']
        records = sum(x['records'] for x in full)
        size = sum(x['bytes'] for x in full)
        dropped = sum(x['dropped'] for x in full)
        base = 1e9 / pps['off']
        print('%-5s without collector %.2f Mpps (%.1f ns/pkt); forwarding '
              'thread %.1f CPU ns/pkt' % (mode, pps['off'] / 1e6, base,
                                          cpu['off']))
        for v, label in (('datapath', 'shim, ring released unread'),
                         ('full', 'shim + dumper writing files')):
            cost = 1e9 / pps[v] - base
            print('%-5s %-28s %.2f Mpps: cost %.2f ns per packet (%.1f %% '
                  'of throughput); forwarding thread %.1f CPU ns/pkt: cost '
                  '%.2f CPU ns per packet'
                  % (mode, label, pps[v] / 1e6, cost,
                     100 * (1 - pps[v] / pps['off']), cpu[v],
                     cpu[v] - cpu['off']))
        print('%-5s records: %.3f bytes per packet record, %d of %d packet '
              'records dropped, dumper %.0f%% of a core' %
              (mode, size / max(records, 1), dropped, records + dropped,
               100 * statistics.median(x['dumper_cpu'] for x in full)),
              flush=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
