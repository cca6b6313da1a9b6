"""§6.4: the patterns that name bug-triggering flows, with static and with
adaptive port ranges.

The paper injected TCP flows 100.0.0.1 -> 32.0.0.1, sport 2000-2008,
dport 6000-6008, that trigger a slow-processing bug at firewall 2, and got
one pattern per port from AutoFocus's static port ranges.
:func:`patterns_for_bug_flows` aggregates the same relations both ways and
counts the patterns whose culprit half lies inside the bug flows.  The
relations come from the engine (run on an emulation of the scenario); this
module only needs :class:`RelationRecords`.
"""
import dataclasses
import ipaddress

from microscope_plugin.aggregation.hierarchy import PROTO_NUMBERS
from microscope_plugin.aggregation.params import AggregationParams
from microscope_plugin.aggregation.patterns import aggregate

#: The bug-triggering flows of §6.4.
BUG_FLOWS = {'src': '100.0.0.1/32', 'dst': '32.0.0.1/32', 'proto': 'tcp',
             'sport': '2000-2008', 'dport': '6000-6008'}


def _ports(text, field):
    text = str(text).strip()
    try:
        if text == '*':
            return 0, 65535
        if '-' in text:
            a, b = (int(x) for x in text.split('-', 1))
        else:
            a = b = int(text)
    except ValueError:
        raise ValueError('%s: expected a port, "lo-hi" or "*", got %r'
                         % (field, text)) from None
    if not 0 <= a <= b <= 65535:
        raise ValueError('%s: port range %d-%d outside 0-65535 or reversed'
                         % (field, a, b))
    return a, b


def _prefix(text, field):
    if str(text).strip() == '*':
        return 0, (1 << 32) - 1
    try:
        net = ipaddress.IPv4Network(str(text), strict=False)
    except ValueError as e:
        raise ValueError('%s: not an IPv4 prefix: %s' % (field, e)) from None
    lo = int(net.network_address)
    return lo, lo + net.num_addresses - 1


def _proto(text, field):
    t = str(text).strip().lower()
    if t == '*':
        return 0, 255
    if t in PROTO_NUMBERS:
        return PROTO_NUMBERS[t], PROTO_NUMBERS[t]
    try:
        v = int(t)
    except ValueError:
        raise ValueError('%s: expected tcp, udp, icmp, a number or "*", got %r'
                         % (field, text)) from None
    if not 0 <= v <= 255:
        raise ValueError('%s: protocol %d outside 0-255' % (field, v))
    return v, v


@dataclasses.dataclass(frozen=True)
class FlowAggregate:
    """Intervals of the culprit src, dst, sport, dport and proto fields."""

    src: tuple
    dst: tuple
    sport: tuple
    dport: tuple
    proto: tuple

    @classmethod
    def parse(cls, spec, field='match'):
        if not isinstance(spec, dict):
            raise ValueError('%s: expected a mapping of 5-tuple fields' % field)
        extra = set(spec) - {'src', 'dst', 'sport', 'dport', 'proto'}
        if extra:
            raise ValueError('%s: unknown field(s) %s' % (field, ', '.join(sorted(extra))))
        f = '%s.%%s' % field
        return cls(src=_prefix(spec.get('src', '*'), f % 'src'),
                   dst=_prefix(spec.get('dst', '*'), f % 'dst'),
                   sport=_ports(spec.get('sport', '*'), f % 'sport'),
                   dport=_ports(spec.get('dport', '*'), f % 'dport'),
                   proto=_proto(spec.get('proto', '*'), f % 'proto'))

    def intervals(self):
        return (self.src, self.dst, self.sport, self.dport, self.proto)

    def names(self, pattern):
        """The pattern's culprit 5-tuple lies inside this aggregate."""
        return all(a <= pattern.lo[i] and pattern.hi[i] <= b
                   for i, (a, b) in enumerate(self.intervals()))

    def touches(self, pattern):
        """The pattern's culprit 5-tuple overlaps this aggregate."""
        return all(pattern.lo[i] <= b and a <= pattern.hi[i]
                   for i, (a, b) in enumerate(self.intervals()))


@dataclasses.dataclass
class BugFlowReport:
    """Aggregations with static and adaptive ports, and the patterns whose
    culprit half lies inside the bug flows (``naming``) or overlaps them
    while being broader (``broader``)."""

    match: dict
    static: object
    adaptive: object
    static_naming: list
    adaptive_naming: list
    static_broader: list
    adaptive_broader: list

    def counts(self):
        return {
            'static': {'patterns': len(self.static.patterns),
                       'naming_bug_flows': len(self.static_naming),
                       'culprit_aggregates': len({tuple(p.culprit.items())
                                                  for p in self.static_naming}),
                       'broader': len(self.static_broader)},
            'adaptive': {'patterns': len(self.adaptive.patterns),
                         'naming_bug_flows': len(self.adaptive_naming),
                         'culprit_aggregates': len({tuple(p.culprit.items())
                                                    for p in self.adaptive_naming}),
                         'broader': len(self.adaptive_broader)},
        }

    def to_dict(self):
        return {'match': self.match, 'counts': self.counts(),
                'static_naming': [p.to_dict() for p in self.static_naming],
                'adaptive_naming': [p.to_dict() for p in self.adaptive_naming]}

    def render(self, top=10):
        c = self.counts()
        out = ['Bug flows %s' % ' '.join('%s=%s' % kv for kv in self.match.items()),
               '  %-9s %9s %18s %19s %8s' % ('ports', 'patterns', 'naming bug flows',
                                             'culprit aggregates', 'broader')]
        for k in ('static', 'adaptive'):
            out.append('  %-9s %9d %18d %19d %8d' % (
                k, c[k]['patterns'], c[k]['naming_bug_flows'],
                c[k]['culprit_aggregates'], c[k]['broader']))
        for k, pats in (('static', self.static_naming),
                        ('adaptive', self.adaptive_naming)):
            out.append('Patterns naming the bug flows, %s ports (first %d of %d):'
                       % (k, min(top, len(pats)), len(pats)))
            out.extend('  ' + p.render() for p in pats[:top])
        return '\n'.join(out) + '\n'


def patterns_for_bug_flows(records, catalog, match=None, params=None):
    """Aggregate ``records`` with static and with adaptive port ranges
    (other parameters from ``params``) and pick the patterns whose culprit
    5-tuple lies inside ``match`` (default: the §6.4 bug flows)."""
    match = dict(BUG_FLOWS if match is None else match)
    agg = FlowAggregate.parse(match)
    params = params or AggregationParams()
    static = aggregate(records, catalog, dataclasses.replace(params, adaptive_ports=False))
    adaptive = aggregate(records, catalog, dataclasses.replace(params, adaptive_ports=True))

    def pick(res):
        naming = [p for p in res.patterns if agg.names(p)]
        broader = [p for p in res.patterns if agg.touches(p) and not agg.names(p)]
        return naming, broader
    sn, sb = pick(static)
    an, ab = pick(adaptive)
    return BugFlowReport(match, static, adaptive, sn, an, sb, ab)
