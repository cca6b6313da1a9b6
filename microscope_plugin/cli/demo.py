"""``microscope demo``: the main job on embedded defaults.

Emulates the paper's 16-NF scenario with injected faults and summarises
what happened; each later stage of the pipeline (diagnosis, patterns,
report) adds its part here.  Patterns: when the diagnosis stage has put
its causal relations in ``summary['relations']`` (RelationRecords whose
NF ids index ``scenario.topology().nfs``), the demo prints the top
patterns, Table 2, Table 3 and the time gaps (:func:`patterns_section`).
"""
import os

from microscope_plugin import conf
from microscope_plugin import emulator
from microscope_plugin.cli.base import Command
from microscope_plugin.cli.progress import Progress
from microscope_plugin.emulator import summary as summary_mod


class Demo(Command):
    """Emulate the paper's scenario (16 NFs, 1.2 Mpps, faults) end to end."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--out', default=None,
                            help='Output directory (default: '
                                 '<state_path>/demo).')
        parser.add_argument('--duration', type=float, default=None,
                            help='Seconds of traffic (default: the preset\'s).')
        return parser

    def take_action(self, args):
        import dataclasses
        sc = emulator.load_scenario(conf.CONF.emulator.preset)
        if args.duration is not None:
            sc = dataclasses.replace(sc, duration_s=args.duration)
        out = args.out or os.path.join(conf.CONF.state_path, 'demo')
        progress = Progress()
        progress('emulate', 'scenario %s, %.1f s of traffic -> %s'
                 % (sc.name, sc.duration_s, out))
        em, summary = emulator.run_to_directory(
            sc, out, block_packets=conf.CONF.emulator.block_packets,
            progress=progress)
        summary['nfs'] = summary_mod.nf_table(em)
        summary['records'] = emulator.record_stats(summary['record_files'])
        self.app.stdout.write(summary_mod.render(summary))
        self.app.stdout.write(patterns_section(summary, sc))


def patterns_section(summary, scenario):
    """The causal patterns of the run (§4.4) as text, from the relations
    the diagnosis stage left in ``summary['relations']``."""
    relations = summary.get('relations')
    if relations is None:
        return ('\nCausal patterns: none (no causal relations from the diagnosis '
                'stage in this run).\n')
    from microscope_plugin.aggregation import NFCatalog, report
    from microscope_plugin.cli.patterns import params_from_conf
    catalog = NFCatalog.from_topology(scenario.topology())
    text = report.render(relations, catalog, params_from_conf(),
                         top=conf.CONF.aggregation.top)
    return '\n' + text
