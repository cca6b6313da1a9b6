#!/usr/bin/env python3
"""Emulator speed and record compactness on the paper-scale scenario.

    python benchmarks/emulator_speed.py [--duration 5] [--out DIR]

Prints wall time per stage (emulate, write record files, counterfactual
runs for the ground truth), CPU time, peak memory (max RSS), and the record files'
bytes per packet-record (a packet in one rx or tx burst record, entry-tap
records included) and per packet-hop.  Target: paper16, 5 s,
<= 30 s and <= 4 GB on one core.
"""
import argparse
import dataclasses
import resource
import tempfile
import time

import numpy as np

from microscope_plugin import emulator


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--duration', type=float, default=5.0)
    ap.add_argument('--out', default=None)
    ap.add_argument('--preset', default='paper16')
    args = ap.parse_args()
    sc = dataclasses.replace(emulator.load_scenario(args.preset),
                             duration_s=args.duration)
    out = args.out or tempfile.mkdtemp(prefix='msc-bench-')
    # compile the numba kernels outside the timed run
    emulator.run_to_directory(dataclasses.replace(sc, duration_s=0.01,
                                                  random_faults={}),
                              tempfile.mkdtemp(), counterfactual=False)
    t0 = time.perf_counter()
    c0 = time.process_time()
    em, summary = emulator.run_to_directory(sc, out)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    st = emulator.record_stats(summary['record_files'])
    hops = int((~np.isnan(em.read)).sum())
    t = summary['timings']
    print('scenario %s: %.1f s of traffic, %d packets (%.2f Mpps), %d packet-hops'
          % (sc.name, sc.duration_s, summary['packets'],
             summary['packets'] / sc.duration_s / 1e6, hops))
    print('wall time: emulate %.1f s, write records %.1f s, counterfactual '
          '%.1f s, total %.1f s (without the counterfactual %.1f s)'
          % (t['emulate_s'], t['write_s'], t.get('counterfactual_s', 0.0), wall,
             wall - t.get('counterfactual_s', 0.0)))
    print('CPU time of this process: %.1f s (wall time counts other '
          'processes sharing the core)' % cpu)
    print('peak memory (max RSS): %.2f GB'
          % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6))
    print('record files: %.1f MB for %d rx + %d tx packet-records: %.3f bytes '
          'per packet-record, %.3f bytes per packet-hop'
          % (st['bytes'] / 1e6, st['rx_records'], st['tx_records'],
             st['bytes_per_record'], st['bytes'] / hops))
    print('output: %s' % out)


if __name__ == '__main__':
    main()
