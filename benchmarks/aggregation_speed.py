"""Pattern aggregation speed (§4.4, §6.4): causal relations -> patterns.

Builds a synthetic relation set shaped like the paper's 16-NF chain
(flows, sizes and paths from the emulator's CAIDA-like traffic and router;
heavy-tailed culprit flows per culprit packet set; the §6.4 bug planted at
firewall2: TCP 100.0.0.1 -> 32.0.0.1, sport 2000-2008 / dport 6000-6008,
interleaved with background flows; noise everywhere else), then prints:

* wall and CPU time and peak memory of aggregating 84K relations on one
  core (the paper: about three minutes);
* pattern counts with static vs adaptive port ranges;
* time vs the number of relations and vs the threshold.

    python benchmarks/aggregation_speed.py            # the full run
    python benchmarks/aggregation_speed.py --quick    # 84K only, no sweeps
"""
import argparse
import dataclasses
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc

for _v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS',
           'NUMBA_NUM_THREADS'):
    os.environ.setdefault(_v, '1')

import numpy as np  # noqa: E402

from microscope_plugin.aggregation import (AggregationParams,  # noqa: E402
                                           aggregate, patterns_for_bug_flows)
from microscope_plugin.aggregation.synthetic import (SyntheticSpec,  # noqa: E402
                                                     synthetic_relations)


def pin_one_core():
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return 'pinned to CPU %d' % cpu
    except (AttributeError, OSError):
        return 'not pinned (no sched_setaffinity)'


def timed(fn, repeat=3):
    """Best wall time of ``repeat`` calls, its CPU time, and the result."""
    best = None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        w, c = time.perf_counter() - w0, time.process_time() - c0
        if best is None or w < best[0]:
            best = (w, c)
    return best[0], best[1], out


def peak_memory(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


CHILD = """
import sys, time
from microscope_plugin.aggregation import AggregationParams, RelationRecords, aggregate


def status(key):
    with open('/proc/self/status') as fh:
        for line in fh:
            if line.startswith(key + ':'):
                return int(line.split()[1])


rec, cat = RelationRecords.load(sys.argv[1])
params = AggregationParams(threshold=float(sys.argv[2]))
aggregate(rec.take(list(range(min(len(rec), 2000)))), cat, params)   # numba ready
with open('/proc/self/clear_refs', 'w') as fh:     # reset the peak (VmHWM)
    fh.write('5')
before = status('VmRSS')
aggregate(rec, cat, params)
print(before, status('VmHWM'))
"""


def child_rss(rec, cat, threshold):
    """Resident memory (MB) of a fresh process before one aggregation and
    its peak during it (Linux /proc; None elsewhere)."""
    if not os.path.exists('/proc/self/clear_refs'):
        return None
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'relations.npz')
        rec.save(path, cat)
        out = subprocess.run([sys.executable, '-c', CHILD, path, str(threshold)],
                             capture_output=True, text=True)
    if out.returncode != 0:
        return None
    before, peak = out.stdout.split()
    return int(before) / 1024, int(peak) / 1024


def gen(relations, seed, bug_share):
    t = time.perf_counter()
    rec, cat, truth = synthetic_relations(SyntheticSpec(relations=relations, seed=seed,
                                                        bug_share=bug_share))
    return rec, cat, truth, time.perf_counter() - t


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--relations', type=int, default=84_000)
    ap.add_argument('--threshold', type=float, default=0.01)
    ap.add_argument('--bug-share', type=float, default=0.5)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--repeat', type=int, default=5)
    ap.add_argument('--quick', action='store_true', help='skip the sweeps')
    ap.add_argument('--pin', action='store_true',
                    help='pin the process to one CPU (everything is single-threaded '
                         'anyway; CPU time is printed next to wall time)')
    args = ap.parse_args(argv)
    print('Pattern aggregation benchmark (single-threaded, %s; numpy %s; load '
          'average %.1f)' % (pin_one_core() if args.pin else 'not pinned',
                             np.__version__, os.getloadavg()[0]))
    params = AggregationParams(threshold=args.threshold)
    rec, cat, truth, g = gen(args.relations, args.seed, args.bug_share)
    print('Synthetic set: %d relations, %d groups, %d rows (relation x culprit '
          'flow), bug share %.0f%% at %s; built in %.1f s'
          % (truth['relations'], truth['groups'], truth['rows'],
             100 * args.bug_share, truth['bug_nf'], g))

    # first call: numba compiles or loads its cache
    t = time.perf_counter()
    aggregate(rec.take(np.arange(min(len(rec), 2000))), cat, params)
    print('First call (numba compile or cache load): %.2f s' % (time.perf_counter() - t))

    wall, cpu, res = timed(lambda: aggregate(rec, cat, params), args.repeat)
    peak = peak_memory(lambda: aggregate(rec, cat, params))
    rss = child_rss(rec, cat, args.threshold)
    st = res.stats
    print()
    print('%d relations -> %d patterns at th = %g%%: wall %.2f s (best of %d), '
          'CPU %.2f s' % (args.relations, len(res), 100 * args.threshold, wall,
                          args.repeat, cpu))
    print('  peak memory: %.0f MB traced by tracemalloc (numpy allocations)'
          % (peak / 2**20))
    if rss:
        print('  resident memory of a fresh process: %.0f MB before (interpreter, '
              'numpy, numba, the relations), peak %.0f MB during the aggregation '
              '(+%.0f MB)' % (rss[0], rss[1], rss[1] - rss[0]))
    print('  stages: step 1 %.2f s (%d groups -> %d victim clusters), expand %.2f s '
          '(%d intermediate patterns), step 2 %.2f s (%d x %d candidate halves, '
          '%d pairs), patterns %.2f s'
          % (st['step1_s'], st['groups'], st['victim_clusters'], st['expand_s'],
             st['intermediate_patterns'], st['step2_s'], st['culprit_side_clusters'],
             st['victim_side_clusters'], st['step2_candidates'], st['patterns_s']))

    rep = patterns_for_bug_flows(rec, cat, params=params)
    c = rep.counts()
    print()
    print('§6.4 bug flows (%s), static vs adaptive port ranges:'
          % ' '.join('%s=%s' % kv for kv in rep.match.items()))
    print('  %-9s %9s %19s %21s %17s %9s' % (
        'ports', 'patterns', 'culprit aggregates', 'patterns naming them',
        'their attributed', 'best rank'))
    for k, naming in (('static', rep.static_naming), ('adaptive', rep.adaptive_naming)):
        print('  %-9s %9d %19d %21d %16.1f%% %9s'
              % (k, c[k]['patterns'], c[k]['culprit_aggregates'],
                 c[k]['naming_bug_flows'],
                 100 * sum(p.attributed for p in naming) / rep.static.total,
                 min((p.rank for p in naming), default='-')))
    print('  adaptive ranges found: %s' % ', '.join(
        '%s %s' % (k, ' '.join('%d-%d' % r for r in v))
        for k, v in rep.adaptive.port_ranges.items() if v))
    for k, naming in (('static', rep.static_naming), ('adaptive', rep.adaptive_naming)):
        aggs = []
        for p in naming:
            key = (p.culprit['sport'], p.culprit['dport'])
            if key not in aggs:
                aggs.append(key)
        print('  %s culprit aggregates: %s' % (k, ', '.join('%s->%s' % a for a in aggs)))
    print('  top adaptive patterns:')
    for p in res.patterns[:5]:
        print('    ' + p.render())

    one = dataclasses.replace(params, two_step=False)
    w1, c1, out1 = timed(lambda: aggregate(rec, cat, one), args.repeat)
    same = len({(tuple(p.culprit.items()), tuple(p.victim.items())) for p in res.patterns}
               & {(tuple(p.culprit.items()), tuple(p.victim.items()))
                  for p in out1.patterns})
    print()
    print('Decoupling: two steps %.2f s, %d patterns; second step alone on the rows '
          '%.2f s, %d patterns; %d patterns in both'
          % (wall, len(res), w1, len(out1), same))

    if args.quick:
        return 0
    print()
    print('Time vs relations (th = %g%%):' % (100 * args.threshold))
    print('  %10s %9s %9s %9s %9s %10s'
          % ('relations', 'rows', 'patterns', 'wall s', 'CPU s', 'us/row'))
    for n in (21_000, 42_000, 84_000, 168_000):
        r2, c2, _, _ = gen(n, args.seed, args.bug_share)
        w, cp, out = timed(lambda: aggregate(r2, c2, params), args.repeat)
        print('  %10d %9d %9d %9.2f %9.2f %10.2f'
              % (n, len(r2), len(out), w, cp, 1e6 * w / len(r2)))
    print()
    print('Time vs threshold (%d relations):' % args.relations)
    print('  %9s %9s %12s %9s %9s' % ('th', 'patterns', 'candidates', 'wall s', 'CPU s'))
    for th in (0.005, 0.01, 0.05):
        p2 = dataclasses.replace(params, threshold=th)
        w, cp, out = timed(lambda: aggregate(rec, cat, p2), args.repeat)
        print('  %8.1f%% %9d %12d %9.2f %9.2f'
              % (100 * th, len(out), out.stats['culprit_side_candidates']
                 + out.stats['victim_side_candidates'] + out.stats['step2_candidates'],
                 w, cp))
    return 0


if __name__ == '__main__':
    sys.exit(main())
