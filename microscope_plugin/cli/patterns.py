"""``microscope patterns``: ranked causal patterns from causal relations (§4.4).

Reads the relations the diagnosis engine wrote (``RelationRecords.save``:
one ``.npz`` with the columns and the NF catalog), or builds a synthetic
set shaped like the paper's 16-NF chain with the §6.4 bug planted, and
prints the top patterns, Table 2, Table 3 and the Fig. 15 time gaps.
"""
import dataclasses
import json

from microscope_plugin import conf
from microscope_plugin.aggregation import (AggregationParams, RelationRecords,
                                           TooManyClusters,
                                           patterns_for_bug_flows,
                                           plot_time_gap_cdf, report,
                                           time_gaps)
from microscope_plugin.aggregation.params import BYTE_PREFIXES
from microscope_plugin.aggregation.patterns import aggregate
from microscope_plugin.cli.base import Command, UserError


def params_from_conf(args=None):
    """AggregationParams from [aggregation] and command-line overrides."""
    c = conf.CONF.aggregation
    kw = dict(threshold=c.threshold, adaptive_ports=c.adaptive_ports,
              prefix_lengths=BYTE_PREFIXES if c.prefix_lengths == 'byte'
              else tuple(range(33)))
    if args is not None:
        if args.threshold is not None:
            kw['threshold'] = args.threshold
        if args.static_ports:
            kw['adaptive_ports'] = False
        if args.prefix_lengths:
            kw['prefix_lengths'] = BYTE_PREFIXES if args.prefix_lengths == 'byte' \
                else tuple(range(33))
        if args.one_step:
            kw['two_step'] = False
        if args.group_threshold is not None:
            kw['group_threshold'] = args.group_threshold
    try:
        return AggregationParams(**kw)
    except ValueError as e:
        raise UserError(str(e))


class Patterns(Command):
    """Rank causal patterns (culprit aggregate => victim aggregate : score)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('relations', nargs='?', default=None,
                            help='Relations file (.npz written by '
                                 'RelationRecords.save, with its NF catalog).')
        parser.add_argument('--synthetic', type=int, default=None, metavar='N',
                            help='Use N synthetic relations (paper16 flows, the '
                                 '§6.4 bug planted) instead of a file.')
        parser.add_argument('--seed', type=int, default=0,
                            help='Seed of the synthetic relations.')
        parser.add_argument('--save', default=None, metavar='PATH',
                            help='Also save the synthetic relations to PATH.')
        parser.add_argument('--threshold', type=float, default=None,
                            help='Share of the total score (default: '
                                 '[aggregation] threshold, 0.01).')
        parser.add_argument('--static-ports', action='store_true',
                            help='Only the static AutoFocus port ranges.')
        parser.add_argument('--prefix-lengths', choices=['byte', 'all'], default=None,
                            help='IPv4 prefix lengths (default: [aggregation]).')
        parser.add_argument('--group-threshold', type=float, default=None,
                            help='First-step threshold, share of each group.')
        parser.add_argument('--one-step', action='store_true',
                            help='Skip the first (per culprit group) step.')
        parser.add_argument('--top', type=int, default=20,
                            help='Patterns to print (0: all).')
        parser.add_argument('--no-tables', action='store_true',
                            help='Only the patterns, not Tables 2-3 and time gaps.')
        parser.add_argument('--bug-flows', action='store_true',
                            help='Compare static and adaptive port ranges on the '
                                 '§6.4 bug flows.')
        parser.add_argument('--gap-plot', default=None, metavar='PNG',
                            help='Write the Fig. 15 time-gap CDF to PNG.')
        parser.add_argument('--json', action='store_true',
                            help='Print the patterns as JSON.')
        return parser

    def _load(self, args):
        if args.synthetic is not None:
            if args.relations:
                raise UserError('give a relations file or --synthetic, not both')
            if args.synthetic < 1:
                raise UserError('--synthetic must be a positive number of relations')
            from microscope_plugin.aggregation.synthetic import synthetic_relations
            rec, cat, _ = synthetic_relations(relations=args.synthetic, seed=args.seed)
            if args.save:
                rec.save(args.save, cat)
            return rec, cat
        if not args.relations:
            raise UserError('give a relations file or --synthetic N')
        try:
            rec, cat = RelationRecords.load(args.relations)
        except ValueError as e:
            raise UserError(str(e))
        if cat is None:
            raise UserError('%s: the file has no NF catalog (nf_names, nf_types)'
                            % args.relations)
        return rec, cat

    def take_action(self, args):
        try:
            return self._run(args)
        except TooManyClusters as e:
            raise UserError(str(e))

    def _run(self, args):
        if args.top < 0:
            raise UserError('--top must be >= 0')
        params = params_from_conf(args)
        rec, cat = self._load(args)
        out = self.app.stdout
        if args.gap_plot:
            plot_time_gap_cdf(time_gaps(rec), args.gap_plot)
        if args.bug_flows:
            rep = patterns_for_bug_flows(rec, cat, params=params)
            if args.json:
                out.write(json.dumps(rep.to_dict(), indent=2) + '\n')
            else:
                out.write(rep.render(top=args.top or 10))
            return
        res = aggregate(rec, cat, params)
        if args.json:
            d = res.to_dict(top=args.top or None)
            d['params'] = dataclasses.asdict(params)
            out.write(json.dumps(d, indent=2) + '\n')
            return
        out.write(report.render(rec, cat, params, top=args.top,
                                tables=not args.no_tables, result=res))
        if args.gap_plot:
            out.write('Time-gap CDF: %s\n' % args.gap_plot)
