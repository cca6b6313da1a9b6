"""``microscope evaluate``: the accuracy evaluation of §6.2-6.3.

Emulates the paper's 16-NF scenario with injected faults separated in
time, diagnoses the same victims with Microscope and NetMedic, and prints
how often each ranks the injected culprit first, second, within five —
overall and per fault kind — with the NetMedic window sweep (Fig. 13),
accuracy by propagation hops and, with ``--sweeps``, by burst size and
interrupt length (§6.3).  Figures (PNG) and ``evaluation.json`` go to
``--out``.
"""
import json
import os

from microscope_plugin import conf
from microscope_plugin.cli.base import Command, UserError
from microscope_plugin.cli.progress import Progress
from microscope_plugin.evaluation import sweeps


def _floats(text):
    try:
        return tuple(float(x) for x in text.split(',') if x.strip())
    except ValueError:
        raise UserError('expected comma-separated numbers, got %r' % text)


class Evaluate(Command):
    """Measure Microscope's and NetMedic's accuracy on injected faults."""

    def get_parser(self, prog_name):
        p = super().get_parser(prog_name)
        p.add_argument('--out', default=None,
                       help='Output directory (default: <state_path>/evaluation).')
        p.add_argument('--preset', default='paper16',
                       help='Emulator preset or scenario file (default: paper16).')
        p.add_argument('--duration', type=float, default=5.0,
                       help='Seconds of traffic (default: 5, as in §6.2).')
        p.add_argument('--seed', type=int, default=1, help='Emulation seed.')
        p.add_argument('--bursts', type=int, default=5,
                       help='Traffic bursts to inject (500-2500 packets).')
        p.add_argument('--interrupts', type=int, default=5,
                       help='Interrupts to inject (500-1000 us).')
        p.add_argument('--bugs', type=int, default=5,
                       help='Firewall bug triggers to inject (50-150 packets).')
        p.add_argument('--gap-ms', type=float, default=300.0,
                       help='Time between injected faults (default: 300 ms; '
                            'shrunk to fit a shorter run).')
        p.add_argument('--window-ms', type=float, default=10.0,
                       help='NetMedic time window (default: 10 ms).')
        p.add_argument('--windows', default=','.join('%g' % w for w in sweeps.WINDOWS_MS),
                       help='NetMedic windows to sweep, ms (Fig. 13); "" skips.')
        p.add_argument('--sweeps', action='store_true',
                       help='Also run the §6.3 burst-size and interrupt-length '
                            'sweeps (one emulated run per value).')
        p.add_argument('--burst-sizes', default=','.join(str(b) for b in sweeps.BURST_SIZES),
                       help='Burst sizes for --sweeps (packets).')
        p.add_argument('--interrupt-lengths',
                       default=','.join(str(i) for i in sweeps.INTERRUPT_US),
                       help='Interrupt lengths for --sweeps (us).')
        p.add_argument('--per-point', type=int, default=5,
                       help='Faults per sweep value (default: 5).')
        p.add_argument('--no-plots', action='store_true',
                       help='Skip the PNG figures (no matplotlib needed).')
        p.add_argument('--json', action='store_true',
                       help='Print the report as JSON.')
        return p

    def take_action(self, args):
        from microscope_plugin.evaluation.protocol import ProtocolConfig
        from microscope_plugin.evaluation.report import evaluate_all, render
        try:
            cfg = ProtocolConfig(preset=args.preset, duration_s=args.duration,
                                 seed=args.seed, bursts=args.bursts,
                                 interrupts=args.interrupts, bugs=args.bugs,
                                 gap_ms=args.gap_ms,
                                 netmedic_window_ms=args.window_ms)
        except ValueError as e:
            raise UserError(str(e))
        if args.per_point < 1:
            raise UserError('--per-point must be at least 1')
        plots = not args.no_plots
        if plots:
            try:
                import matplotlib  # noqa: F401
            except ImportError:
                raise UserError('matplotlib is needed for the figures '
                                '(pip install matplotlib) or pass --no-plots')
        windows = _floats(args.windows)
        if any(w <= 0 for w in windows):
            raise UserError('--windows must be positive')
        out = args.out or os.path.join(conf.CONF.state_path, 'evaluation')
        rep = evaluate_all(cfg, out, window_sweep=bool(windows),
                           detail_sweeps=args.sweeps, windows_ms=windows,
                           burst_sizes=tuple(int(b) for b in _floats(args.burst_sizes)),
                           interrupt_us=_floats(args.interrupt_lengths),
                           per_point=args.per_point, plots=plots,
                           progress=Progress())
        rep.pop('_evaluation', None)
        if args.json:
            with open(os.path.join(out, 'evaluation.json')) as fh:
                self.app.stdout.write(json.dumps(json.load(fh), indent=2) + '\n')
        else:
            self.app.stdout.write(render(rep))
