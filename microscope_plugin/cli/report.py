"""``microscope report``: the blame-resolution report as one HTML file
(and a PDF where a converter is available), offline from a run directory
(``microscope emulate`` + ``microscope diagnose``) or from a diagnosis
stored in the database (``--diagnosis ID``).  See docs/reports.md."""
import json
import os

from microscope_plugin.cli.base import Command, UserError
from microscope_plugin.report import (ReportInputError, build_report,
                                      from_run_dir, write_dag, write_report)


def _ns(value, t0, name):
    if value is None:
        return None
    if value < 0:
        raise UserError('%s must be >= 0 ms' % name)
    return t0 + int(value * 1e6)


class Report(Command):
    """Write the blame-resolution report (verdict per NF, Tables 2-3,
    patterns, time gaps, incidents with queues and evidence)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('run_dir', nargs='?', default=None,
                            help='Run directory with topology.json, '
                                 'diagnosis.json and relations.npz.')
        parser.add_argument('--diagnosis', default=None, metavar='ID',
                            help='A diagnosis stored in the database instead.')
        parser.add_argument('--vendor', default=None,
                            help='Vendor view: only this vendor\'s NFs in detail.')
        parser.add_argument('--nf', default=None, help='Only relations involving NF.')
        parser.add_argument('--start-ms', type=float, default=None,
                            help='Victims from this time (ms from the start).')
        parser.add_argument('--end-ms', type=float, default=None,
                            help='Victims before this time (ms from the start).')
        parser.add_argument('--incidents', type=int, default=3,
                            help='Largest incidents to show with queue plots.')
        parser.add_argument('--out', default=None,
                            help='Output directory (default: the run directory, '
                                 'or the current one).')
        parser.add_argument('--name', default='report', help='File name stem.')
        parser.add_argument('--no-pdf', action='store_true', help='HTML only.')
        parser.add_argument('--json', action='store_true',
                            help='Also write <name>.json (the report model).')
        return parser

    def _inputs(self, args):
        if (args.run_dir is None) == (args.diagnosis is None):
            raise UserError('give a run directory or --diagnosis ID (one of them)')
        if args.run_dir is not None:
            return from_run_dir(args.run_dir)
        from microscope_plugin import conf
        from microscope_plugin.db import errors as db_errors
        from microscope_plugin.db import session
        from microscope_plugin.report.dbsource import from_db
        try:
            return from_db(session.Database.from_conf(conf.CONF), args.diagnosis)
        except db_errors.NotFound as e:
            raise UserError('--diagnosis: %s' % e)

    def take_action(self, args):
        if args.incidents < 0:
            raise UserError('--incidents must be >= 0')
        try:
            inputs = self._inputs(args)
            rep = build_report(inputs, vendor=args.vendor, nf=args.nf,
                               start_ns=_ns(args.start_ms, inputs.t0_ns, '--start-ms'),
                               end_ns=_ns(args.end_ms, inputs.t0_ns, '--end-ms'),
                               top_incidents=args.incidents)
        except ReportInputError as e:
            raise UserError(str(e))
        out = args.out or args.run_dir or '.'
        paths = write_report(rep, out, args.name, pdf=not args.no_pdf)
        w = self.app.stdout.write
        if args.json:
            jp = os.path.join(out, args.name + '.json')
            with open(jp, 'w') as fh:
                json.dump(rep.to_dict(), fh, indent=1, default=float)
            w('Report model: %s\n' % jp)
        c = rep.culprits()
        if c:
            w('Named first: %s (%s), %.1f %% of the score in scope\n'
              % (c[0]['nf'], c[0]['type'], 100 * c[0]['caused']))
        w('DAG page: %s\n' % write_dag(inputs, out, args.name + '-dag', args.vendor))
        w('Report: %s\n' % paths['html'])
        if paths['pdf']:
            w('PDF: %s (%s)\n' % (paths['pdf'], paths['pdf_converter']))
        elif not args.no_pdf:
            w('PDF: not written (%s)\n' % paths['pdf_converter'])
