"""``microscope diagnose``: diagnose record files offline."""
import glob
import json
import os

from microscope_plugin.cli.base import Command, UserError
from microscope_plugin.cli.progress import Progress
from microscope_plugin.diagnosis import DiagnosisParams, VictimCriteria
from microscope_plugin.diagnosis import incidents as incidents_mod
from microscope_plugin.diagnosis import relations as relations_mod
from microscope_plugin.diagnosis.base import UnknownDiagnoser, get_diagnoser
from microscope_plugin.diagnosis.params import QUEUING_MODES
from microscope_plugin.topology import Topology
from microscope_plugin.trace.reconstruct import load_trace


def resolve_inputs(paths, topology=None):
    """A run directory (``topology.json`` + ``records/*.msr``) or record
    files with ``--topology``.  Returns (Topology, [paths])."""
    files = []
    for p in paths:
        if os.path.isdir(p):
            found = sorted(glob.glob(os.path.join(p, 'records', '*.msr'))
                           or glob.glob(os.path.join(p, '*.msr')))
            if not found:
                raise UserError('%s holds no .msr record files' % p)
            files += found
            if topology is None and os.path.exists(os.path.join(p, 'topology.json')):
                topology = os.path.join(p, 'topology.json')
        elif os.path.isfile(p):
            files.append(p)
        else:
            raise UserError('no such file or directory: %s' % p)
    if topology is None:
        raise UserError('no topology: give --topology FILE (or a run '
                        'directory with topology.json)')
    try:
        topo = Topology.load(topology)
    except (OSError, ValueError) as e:
        raise UserError('topology %s: %s' % (topology, e))
    return topo, files


def add_input_arguments(parser):
    """The record files to diagnose, as ``resolve_inputs`` takes them."""
    parser.add_argument('paths', nargs='+',
                        help='A run directory or record files (.msr).')
    parser.add_argument('--topology', default=None,
                        help='Topology JSON (NFs, peak rates, edges).')


def add_diagnosis_options(parser):
    parser.add_argument('--diagnoser', default='microscope',
                        help='Diagnoser plugin (microscope.diagnosers).')
    parser.add_argument('--percentile', type=float, default=99.0,
                        help='Latency victims: at or above this percentile.')
    parser.add_argument('--threshold-us', type=float, default=None,
                        help='Latency victims: above this latency (wins over '
                             '--percentile).')
    parser.add_argument('--no-lost', action='store_true',
                        help='Do not diagnose lost packets.')
    parser.add_argument('--queuing', choices=QUEUING_MODES, default='auto',
                        help='How queuing periods start (docs/diagnosis.md).')
    parser.add_argument('--queue-threshold', type=int, default=0,
                        help="Queue length that starts a period (--queuing length).")
    parser.add_argument('--measure-peak-rates', action='store_true',
                        help='Measure r_i from the trace instead of the '
                             'topology.')
    parser.add_argument('--max-victims', type=int, default=None,
                        help='Diagnose at most this many victims (evenly spread).')


def params_from_args(args):
    try:
        return DiagnosisParams(
            victims=VictimCriteria(
                latency_percentile=args.percentile,
                latency_threshold_ns=(None if args.threshold_us is None
                                      else int(args.threshold_us * 1e3)),
                include_lost=not args.no_lost, max_victims=args.max_victims),
            queuing=args.queuing, queue_threshold=args.queue_threshold,
            measure_peak_rates=args.measure_peak_rates)
    except ValueError as e:
        raise UserError(str(e))


def run_diagnosis(topo, files, params, diagnoser='microscope', progress=None):
    say = progress or (lambda *a: None)
    try:
        d = get_diagnoser(diagnoser)
    except UnknownDiagnoser as e:
        raise UserError(str(e))
    say('read', '%d record files' % len(files))
    trace = load_trace(topo, files)
    s = trace.summary()
    say('reconstruct', '%d packets, %d of %d rx records linked, %d lost'
        % (s['packets'], s['linked'], s['rx_records'], s['lost']))
    return trace, d.diagnose(trace, params, progress=say)


def diagnose_arguments(args):
    """(params, trace, result) of the records and options given on the
    command line (:func:`add_input_arguments`,
    :func:`add_diagnosis_options`), with progress lines."""
    topo, files = resolve_inputs(args.paths, args.topology)
    params = params_from_args(args)
    trace, result = run_diagnosis(topo, files, params, args.diagnoser,
                                  Progress())
    return params, trace, result


def write_result(result, incs, out_dir, victims=1000, patterns=None):
    """diagnosis.json (summary, params, incidents, first victims, evidence:
    the slowest victims of the largest incidents, patterns) and
    relations.npz (the causal relations, for ``microscope patterns`` and
    ``microscope report``)."""
    from microscope_plugin.report.evidence import sample_victims
    os.makedirs(out_dir, exist_ok=True)
    doc = result.to_json(limit=victims)
    doc['incidents'] = incs
    doc['evidence'] = sample_victims(result, incs)
    if patterns is not None:
        doc['patterns'] = patterns[1].to_dict()
        patterns[0].save(os.path.join(out_dir, 'relations.npz'),
                         relations_mod.catalog(result))
    path = os.path.join(out_dir, 'diagnosis.json')
    with open(path, 'w') as fh:
        json.dump(doc, fh, indent=1)
    return path


def run_patterns(result):
    """(RelationRecords, AggregationResult) of a diagnosis (§4.4)."""
    from microscope_plugin.aggregation.patterns import aggregate
    from microscope_plugin.cli.patterns import params_from_conf
    records = relations_mod.relation_records(result)
    return records, aggregate(records, relations_mod.catalog(result),
                              params_from_conf())


def render_patterns(result, patterns, top=10):
    from microscope_plugin.aggregation import report
    from microscope_plugin.cli.patterns import params_from_conf
    return report.render(patterns[0], relations_mod.catalog(result),
                         params_from_conf(), top=top, result=patterns[1])


class Diagnose(Command):
    """Find victims in record files and name their root causes."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_input_arguments(parser)
        parser.add_argument('--out', default=None,
                            help='Where to write diagnosis.json (default: the '
                                 'run directory, or the current one).')
        parser.add_argument('--json', action='store_true',
                            help='Print the summary and incidents as JSON.')
        add_diagnosis_options(parser)
        return parser

    def take_action(self, args):
        _params, trace, result = diagnose_arguments(args)
        incs = incidents_mod.incidents(result)
        patterns = run_patterns(result)
        out = args.out or (args.paths[0] if os.path.isdir(args.paths[0]) else '.')
        path = write_result(result, incs, out, patterns=patterns)
        if args.json:
            self.app.stdout.write(json.dumps({'summary': result.summary(),
                                              'incidents': incs}, indent=1) + '\n')
            return
        s = result.summary()
        self.app.stdout.write(
            '%d victims (%d packets: latency >= %.1f us, or lost) in %d '
            'incidents; %d causal relations.\n\n'
            % (s['victims'], s['victim_packets'], s['latency_threshold_ns'] / 1e3,
               len(incs), s['relations']))
        self.app.stdout.write(incidents_mod.render(incs, trace.t_min))
        self.app.stdout.write('\n' + render_patterns(result, patterns))
        self.app.stdout.write('\nFull result: %s\n' % path)
