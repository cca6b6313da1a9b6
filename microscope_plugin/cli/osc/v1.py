"""``openstack microscope ...`` commands (entry points
``openstack.microscope.v1``)."""
import json
import time

from osc_lib.command import command
from osc_lib import exceptions


def _client(cmd):
    return cmd.app.client_manager.microscope


def _flat(d, keys):
    return tuple(json.dumps(d.get(k), sort_keys=True)
                 if isinstance(d.get(k), (dict, list)) else d.get(k)
                 for k in keys)


def _param(text):
    key, sep, value = text.partition('=')
    if not sep:
        raise exceptions.CommandError('--param %r: expected KEY=VALUE' % text)
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


DIAG_COLUMNS = ('id', 'state', 'diagnoser', 'collection_id', 'start_ns',
                'end_ns', 'victims', 'relations', 'reason')


class CreateDiagnosis(command.ShowOne):
    """Start a diagnosis of a collection's time range."""

    def get_parser(self, prog_name):
        p = super().get_parser(prog_name)
        p.add_argument('--collection', required=True,
                       help='Collection id (its records are diagnosed).')
        p.add_argument('--start-ns', type=int, help='Start of the range.')
        p.add_argument('--end-ns', type=int, help='End of the range.')
        p.add_argument('--diagnoser', help='Diagnoser plugin name.')
        p.add_argument('--param', action='append', default=[],
                       metavar='KEY=VALUE', help='Diagnosis parameter '
                       '(repeatable; JSON values allowed).')
        p.add_argument('--wait', action='store_true',
                       help='Wait until it has succeeded or failed.')
        p.add_argument('--timeout', type=float, default=600,
                       help='Seconds --wait waits at most.')
        return p

    def take_action(self, args):
        c = _client(self)
        body = {'collection_id': args.collection}
        for k in ('start_ns', 'end_ns', 'diagnoser'):
            if getattr(args, k) is not None:
                body[k] = getattr(args, k)
        if args.param:
            body['params'] = dict(_param(x) for x in args.param)
        d = c.post('/v1/diagnoses', body)
        if args.wait:
            end = time.monotonic() + args.timeout
            while d['state'] not in ('succeeded', 'failed'):
                if time.monotonic() > end:
                    raise exceptions.CommandError(
                        'diagnosis %s still %s after %gs'
                        % (d['id'], d['state'], args.timeout))
                time.sleep(0.5)
                d = c.get('/v1/diagnoses/%s' % d['id'])
        return DIAG_COLUMNS, _flat(d, DIAG_COLUMNS)


class ShowDiagnosis(command.ShowOne):
    """Show a diagnosis: state, counts, top causes."""

    def get_parser(self, prog_name):
        p = super().get_parser(prog_name)
        p.add_argument('diagnosis', help='Diagnosis id.')
        return p

    def take_action(self, args):
        d = _client(self).get('/v1/diagnoses/%s' % args.diagnosis)
        cols = DIAG_COLUMNS + ('summary',)
        return cols, _flat(d, cols)


class ListDiagnoses(command.Lister):
    """List diagnoses."""

    def get_parser(self, prog_name):
        p = super().get_parser(prog_name)
        p.add_argument('--state', help='Only this state.')
        p.add_argument('--collection', help='Only this collection.')
        p.add_argument('--limit', type=int, help='At most this many.')
        return p

    def take_action(self, args):
        r = _client(self).get('/v1/diagnoses', state=args.state,
                              collection_id=args.collection, limit=args.limit)
        cols = ('id', 'state', 'diagnoser', 'collection_id', 'victims')
        return cols, [_flat(d, cols) for d in r['diagnoses']]


class ListCauses(command.Lister):
    """Ranked causes of a diagnosis' victims."""

    def get_parser(self, prog_name):
        p = super().get_parser(prog_name)
        p.add_argument('diagnosis', help='Diagnosis id.')
        p.add_argument('--nf', help='Culprit NF.')
        p.add_argument('--kind', choices=('source', 'nf', 'in_nf_delay'),
                       help='Cause kind.')
        p.add_argument('--max-rank', type=int, help='Only ranks up to this.')
        p.add_argument('--limit', type=int, help='At most this many.')
        return p

    def take_action(self, args):
        r = _client(self).get('/v1/diagnoses/%s/causes' % args.diagnosis,
                              nf=args.nf, kind=args.kind,
                              max_rank=args.max_rank, limit=args.limit)
        cols = ('id', 'victim_id', 'rank', 'kind', 'nf', 'victim_nf', 'score',
                'share', 'start_ns', 'end_ns')
        return cols, [_flat(c, cols) for c in r['causes']]


class ListPatterns(command.Lister):
    """Causal patterns (§4.4) of a diagnosis."""

    def get_parser(self, prog_name):
        p = super().get_parser(prog_name)
        p.add_argument('diagnosis', help='Diagnosis id.')
        p.add_argument('--threshold', type=float,
                       help='Share of the total score.')
        p.add_argument('--limit', type=int, help='At most this many.')
        return p

    def take_action(self, args):
        r = _client(self).get('/v1/diagnoses/%s/patterns' % args.diagnosis,
                              threshold=args.threshold, limit=args.limit)
        cols = ('rank', 'score', 'culprit', 'victim')
        return cols, [_flat(x, cols) for x in r['patterns']]


class ListHints(command.Lister):
    """Auto-scaling hints (SCALE_OUT, SCALE_IN, HEAL) with their reasons."""

    def get_parser(self, prog_name):
        p = super().get_parser(prog_name)
        p.add_argument('--diagnosis', help='Only this diagnosis.')
        p.add_argument('--action', choices=('SCALE_OUT', 'SCALE_IN', 'HEAL'),
                       help='Only this action.')
        p.add_argument('--nf', help='Only this NF type / instance.')
        p.add_argument('--limit', type=int, help='At most this many.')
        return p

    def take_action(self, args):
        c = _client(self)
        if args.diagnosis:
            r = c.get('/v1/diagnoses/%s/scaling_hints' % args.diagnosis,
                      nf=args.nf, limit=args.limit)
            hints = [h for h in r['scaling_hints']
                     if args.action in (None, h['action'])]
        else:
            hints = c.get('/v1/scaling_hints', action=args.action,
                          nf=args.nf, limit=args.limit)['scaling_hints']
        cols = ('id', 'diagnosis_id', 'nf', 'action', 'k', 'score', 'reason')
        return cols, [_flat(dict(h, k=(h.get('detail') or {}).get('k')), cols)
                      for h in hints]


class CreateReport(command.ShowOne):
    """Create a vendor blame-resolution report of a diagnosis: its verdicts,
    or with --output the self-contained HTML report written to a file."""

    def get_parser(self, prog_name):
        p = super().get_parser(prog_name)
        p.add_argument('diagnosis', help='Diagnosis id.')
        p.add_argument('--vendor', help='That vendor\'s view.')
        p.add_argument('--nf', help='Only relations involving this NF.')
        p.add_argument('--start-ns', type=int, help='Start of the range.')
        p.add_argument('--end-ns', type=int, help='End of the range.')
        p.add_argument('--incidents', type=int,
                       help='Incidents described in detail.')
        p.add_argument('--output', metavar='FILE',
                       help='Write the HTML report to FILE.')
        return p

    def take_action(self, args):
        body = {'diagnosis_id': args.diagnosis}
        for k in ('vendor', 'nf', 'start_ns', 'end_ns', 'incidents'):
            if getattr(args, k) is not None:
                body[k] = getattr(args, k)
        c = _client(self)
        if args.output:
            html = c.post('/v1/reports', dict(body, format='html'), raw=True)
            with open(args.output, 'w', encoding='utf-8') as fh:
                fh.write(html)
            return (('diagnosis_id', 'vendor', 'file', 'bytes'),
                    (args.diagnosis, args.vendor, args.output,
                     len(html.encode())))
        r = c.post('/v1/reports', dict(body, format='json'))
        meta = r.get('meta') or {}
        cols = tuple(sorted(meta)) + ('verdicts', 'notes')
        return cols, _flat(dict(meta, verdicts=r.get('verdicts'),
                                notes=r.get('notes')), cols)
