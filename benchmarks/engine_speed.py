#!/usr/bin/env python3
"""Engine speed on a paper-scale trace: 16 NFs, 1.2 Mpps, 5 s.

Times, on one core, every stage from record files to diagnosed victims
(99th-percentile latency and lost packets):

* read         decode the record files (``trace.reader``)
* reconstruct  link records across NFs into packet journeys (§5)
* prepare      engine arrays (queues, reads, drains, flows, peak rates)
* victims      victim selection (§4.1)
* diagnose     local diagnosis, propagation, recursion for every victim

and prints the total, victims per second and peak memory (max RSS).
Target: read + reconstruct + diagnosis of all victims <= 60 s.

    python benchmarks/engine_speed.py [--dir RUN_DIR] [--duration 5] [--seed 1]

Without ``--dir`` the paper16 preset is emulated once into
``$TMPDIR/microscope-bench/paper16-<duration>s-seed<seed>`` and reused.
Compiled kernels are warmed up on a short trace first (numba caches them
on disk; the first ever run also compiles).
"""
import argparse
import os
import pathlib
import sys

# one core: pin the process and keep numeric libraries single-threaded
for var in ('NUMBA_NUM_THREADS', 'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS',
            'MKL_NUM_THREADS'):
    os.environ.setdefault(var, '1')

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import dataclasses  # noqa: E402
import glob  # noqa: E402
import resource  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from microscope_plugin.diagnosis import DiagnosisParams, diagnose  # noqa: E402
from microscope_plugin.emulator import load_scenario, run_to_directory  # noqa: E402
from microscope_plugin.topology import Topology  # noqa: E402
from microscope_plugin.trace.reader import read_records  # noqa: E402
from microscope_plugin.trace.reconstruct import reconstruct  # noqa: E402


def ensure_run(duration, seed, out=None):
    sc = load_scenario('paper16')
    rf = dict(sc.random_faults)
    rf['start_s'] = min(rf.get('start_s', 0.1), duration / 10)
    sc = dataclasses.replace(sc, duration_s=duration, seed=seed,
                             random_faults=rf)
    out = out or os.path.join(tempfile.gettempdir(), 'microscope-bench',
                              'paper16-%gs-seed%d' % (duration, seed))
    if not os.path.exists(os.path.join(out, 'truth.json')):
        print('emulating %s (%.1f s of traffic) ...' % (out, duration),
              flush=True)
        run_to_directory(sc, out, counterfactual=False)
    return out


def load_topology(run_dir):
    return Topology.load(os.path.join(run_dir, 'topology.json'))


def pipeline(run_dir, params):
    topo = load_topology(run_dir)
    paths = sorted(glob.glob(os.path.join(run_dir, 'records', '*.msr')))
    t, cpu = {}, {}
    t0, c0 = time.perf_counter(), time.process_time()
    recs = [read_records(p) for p in paths]
    t['read'], cpu['read'] = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    trace = reconstruct(topo, recs)
    t['reconstruct'] = time.perf_counter() - t0
    cpu['reconstruct'] = time.process_time() - c0
    del recs
    res = diagnose(trace, params)
    for k in ('prepare', 'victims', 'diagnose'):
        t[k] = res.timings[k + '_s']
        cpu[k] = res.timings[k + '_cpu_s']
    return trace, res, t, cpu


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--dir', help='an emulated run directory (records/, '
                    'topology.json)')
    ap.add_argument('--duration', type=float, default=5.0)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--cpu', type=int, default=None,
                    help='pin to this CPU (default: the first allowed one)')
    args = ap.parse_args(argv)
    if hasattr(os, 'sched_setaffinity'):
        cpu = args.cpu if args.cpu is not None else min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
    params = DiagnosisParams()
    warm = ensure_run(0.05, args.seed)
    pipeline(warm, params)
    run_dir = args.dir or ensure_run(args.duration, args.seed)
    wall0 = time.perf_counter()
    load0 = os.getloadavg()[0]
    trace, res, t, cpu = pipeline(run_dir, params)
    wall = time.perf_counter() - wall0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    nv = len(res.victims)
    print('Trace %s: %d packets, %d hops, %d NFs'
          % (run_dir, trace.n_packets, len(trace.hop_pkt), len(trace.names)))
    print('Victims: %d victim hops (%d packets; latency >= %.1f us or lost), '
          '%d causal relations'
          % (nv, len(set(res.victims.pkt.tolist())),
             res.victims.threshold_ns / 1e3, res.n_relations))
    print()
    print('%-12s %9s %9s' % ('stage', 'wall s', 'cpu s'))
    for k in ('read', 'reconstruct', 'prepare', 'victims', 'diagnose'):
        print('%-12s %9.2f %9.2f' % (k, t[k], cpu[k]))
    total, total_cpu = sum(t.values()), sum(cpu.values())
    print('%-12s %9.2f %9.2f   (target <= 60 s wall: %s)'
          % ('total', total, total_cpu, 'met' if wall <= 60 else 'MISSED'))
    print('load average while running: %.2f at start, %.2f at end on %d CPUs '
          '(cpu s < wall s: the core was shared)'
          % (load0, os.getloadavg()[0], os.cpu_count()))
    print()
    print('victims/s (diagnose stage): %.0f' % (nv / max(t['diagnose'], 1e-9)))
    print('victims/s (end to end):     %.0f' % (nv / max(wall, 1e-9)))
    print('peak memory (max RSS):      %.0f MB' % rss_mb)
    return 0 if wall <= 60 else 1


if __name__ == '__main__':
    sys.exit(main())
