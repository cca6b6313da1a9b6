#!/usr/bin/env python3
"""Reproduce §6.4: flows that trigger a bug at firewall 2, found by patterns.

    python benchmarks/patterns_bug_flows.py [--duration 2] [--out DIR]

CAIDA-like traffic at 1.2 Mpps through the paper's 16-NF chain; TCP flows
from 100.0.0.1 to 32.0.0.1, source ports 2000-2008 and destination ports
6000-6008, arrive intermittently and are processed at 0.05 Mpps by
firewall 2.  Microscope knows nothing of the bug.  The run is diagnosed,
its causal relations aggregated with static AutoFocus port ranges (the
paper's) and with adaptive ones; the script prints how many patterns each
gives and how many of them name the bug flows as culprits.
"""
import argparse
import dataclasses
import glob
import os
import tempfile
import time

from microscope_plugin import emulator
from microscope_plugin.aggregation.params import AggregationParams
from microscope_plugin.aggregation.patterns import aggregate
from microscope_plugin.diagnosis import DiagnosisParams, diagnose
from microscope_plugin.diagnosis.relations import catalog, relation_records
from microscope_plugin.trace.reconstruct import load_trace

BUG = {'src': '100.0.0.1/32', 'dst': '32.0.0.1/32', 'proto': 'tcp',
       'sport': '2000-2008', 'dport': '6000-6008'}


def names_bug(p):
    c = p.to_dict()['culprit']
    return c['src'] == '100.0.0.1/32' and c['dst'] in ('32.0.0.1/32', '*')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--duration', type=float, default=2.0)
    ap.add_argument('--every-ms', type=float, default=150.0)
    ap.add_argument('--out', default=None)
    args = ap.parse_args()
    sc = emulator.load_scenario('paper16')
    faults = [{'kind': 'bug', 'nf': 'firewall2', 'at_s': round(t, 4),
               'packets': 150, 'flows': 16, 'trigger_rate_mpps': 0.2,
               'match': BUG}
              for t in [0.1 + k * args.every_ms / 1e3
                        for k in range(int((args.duration - 0.15)
                                           / (args.every_ms / 1e3)))]]
    sc = dataclasses.replace(sc, duration_s=args.duration, faults=tuple(faults),
                             random_faults={})
    out = args.out or tempfile.mkdtemp(prefix='msc-6.4-')
    t0 = time.perf_counter()
    emulator.run_to_directory(sc, out, counterfactual=False)
    trace = load_trace(sc.topology(), sorted(glob.glob(os.path.join(out, 'records', '*.msr'))))
    result = diagnose(trace, DiagnosisParams())
    records = relation_records(result)
    print('§6.4: %d bug triggerings at firewall2 over %.1f s; %d victims, '
          '%d causal relations, %d relation rows (%.0f s)'
          % (len(faults), args.duration, len(result.victims),
             result.n_relations, len(records), time.perf_counter() - t0))
    for adaptive in (False, True):
        res = aggregate(records, catalog(result),
                        AggregationParams(threshold=0.01, adaptive_ports=adaptive))
        bug = [p for p in res.patterns if names_bug(p)]
        culprits = {tuple(sorted(p.to_dict()['culprit'].items())) for p in bug}
        print('\n%s port ranges: %d patterns; %d name the bug flows as culprit, '
              'with %d distinct culprit aggregates (they differ in how the '
              'victims are grouped)'
              % ('adaptive' if adaptive else 'static (AutoFocus)', len(res),
                 len(bug), len(culprits)))
        for p in bug[:6]:
            print('  ' + p.render())


if __name__ == '__main__':
    main()
