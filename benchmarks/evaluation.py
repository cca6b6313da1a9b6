#!/usr/bin/env python3
"""Diagnostic accuracy of Microscope and NetMedic (§6.2-6.3) — prints the
tables and writes the figures.

The protocol of §6.2 on the emulator: the paper16 preset (16 NFs,
1.2 Mpps CAIDA-like traffic, 5 s) with 5 traffic bursts (500-2500
packets), 5 interrupts (500-1000 us) and 5 firewall bugs (trigger flows of
50-150 packets) separated by 300 ms; victims are the 99th-percentile
latency and lost packets; the emulator's counterfactual attributes them
to faults.  Prints rank-1 / rank<=2 / rank<=5 of the injected culprit for
Microscope and NetMedic, overall and per fault kind, per fault, the
NetMedic window sweep (Fig. 13), accuracy by propagation hops and (unless
``--no-sweeps``) by burst size and interrupt length (§6.3).  Figures and
``evaluation.json`` go to ``--out``.

    python benchmarks/evaluation.py [--out DIR] [--duration 5] [--seed 1]
                                    [--no-sweeps] [--per-point 5]

Same as ``microscope evaluate --sweeps``.  Runs are reused when the
output directory already holds them with the same configuration.
"""
import argparse
import os
import pathlib
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from microscope_plugin.cli.progress import Progress  # noqa: E402
from microscope_plugin.evaluation.protocol import ProtocolConfig  # noqa: E402
from microscope_plugin.evaluation.report import evaluate_all, render  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=os.path.join(tempfile.gettempdir(),
                                                  'microscope-evaluation'))
    ap.add_argument('--duration', type=float, default=5.0)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--window-ms', type=float, default=10.0)
    ap.add_argument('--no-sweeps', action='store_true',
                    help='skip the burst-size and interrupt-length runs')
    ap.add_argument('--per-point', type=int, default=5,
                    help='faults per sweep value')
    args = ap.parse_args(argv)
    cfg = ProtocolConfig(duration_s=args.duration, seed=args.seed,
                         netmedic_window_ms=args.window_ms)
    rep = evaluate_all(cfg, args.out, window_sweep=True,
                       detail_sweeps=not args.no_sweeps,
                       per_point=args.per_point, progress=Progress())
    sys.stdout.write(render(rep))
    return 0


if __name__ == '__main__':
    sys.exit(main())
