"""``microscope emulate``: run the testbed and say what happened."""
import dataclasses
import json
import os

from microscope_plugin.cli.base import Command, UserError

from microscope_plugin import conf
from microscope_plugin import emulator
from microscope_plugin.cli.progress import Progress
from microscope_plugin.emulator import summary as summary_mod


class Emulate(Command):
    """Emulate an NF DAG with traffic and faults; write record files + truth."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('scenario', nargs='?', default=None,
                            help='Scenario file (YAML/JSON) or preset name '
                                 '(default: [emulator] preset; presets: %s).'
                                 % ', '.join(emulator.list_presets()))
        parser.add_argument('--out', default=None,
                            help='Output directory (default: '
                                 '<state_path>/runs/<scenario>).')
        parser.add_argument('--duration', type=float, default=None,
                            help='Override the scenario duration (seconds).')
        parser.add_argument('--seed', type=int, default=None,
                            help='Override the scenario seed.')
        parser.add_argument('--no-counterfactual', action='store_true',
                            help='Skip the counterfactual run (no victim '
                                 'attribution in the truth file).')
        parser.add_argument('--json', action='store_true',
                            help='Print the summary as JSON.')
        return parser

    def take_action(self, args):
        sc = emulator.load_scenario(args.scenario or conf.CONF.emulator.preset)
        if args.duration is not None:
            if not args.duration > 0:
                raise UserError("--duration must be positive")
            sc = dataclasses.replace(sc, duration_s=args.duration)
        if args.seed is not None:
            sc = dataclasses.replace(sc, seed=args.seed)
        out = args.out or os.path.join(conf.CONF.state_path, 'runs', sc.name)
        em, summary = emulator.run_to_directory(
            sc, out, counterfactual=not args.no_counterfactual,
            block_packets=conf.CONF.emulator.block_packets,
            progress=Progress())
        summary['nfs'] = summary_mod.nf_table(em)
        summary['records'] = emulator.record_stats(summary['record_files'])
        if args.json:
            self.app.stdout.write(json.dumps(summary, indent=2, default=float)
                                  + '\n')
        else:
            self.app.stdout.write(summary_mod.render(summary))
