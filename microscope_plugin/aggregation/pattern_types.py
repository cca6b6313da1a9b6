"""What the pattern aggregation (§4.4) returns: one ranked causal
:class:`Pattern` and the :class:`AggregationResult` holding them, with
their JSON form and the Fig.-14-style rendering."""
import dataclasses

from microscope_plugin.aggregation.params import AggregationParams

SIDE_FIELDS = ('src', 'dst', 'sport', 'dport', 'proto', 'nf')
#: Column order of the Fig. 14 rendering (paper order: src dst proto sport dport NF).
SHOW_ORDER = ('src', 'dst', 'proto', 'sport', 'dport', 'nf')


@dataclasses.dataclass(frozen=True)
class Pattern:
    """One reported pattern.  ``score``: weight not explained by reported
    more specific patterns (what is ranked and compared with the
    threshold); ``total``: all weight inside the pattern.  ``culprit`` and
    ``victim`` map src, dst, sport, dport, proto, nf to readable labels.
    ``attributed``: the pattern's part once every record's weight is split
    evenly over the reported patterns that explain it (the most specific
    ones holding it); unlike scores, these add up to at most the total.
    ``rows``: expanded relation rows inside the pattern; the time spans
    are those rows' culprit and victim times."""

    rank: int
    score: float
    share: float
    total: float
    culprit: dict
    victim: dict
    culprit_nf_level: str
    victim_nf_level: str
    lo: tuple
    hi: tuple
    attributed: float = 0.0
    rows: int = 0
    culprit_time_ns: tuple = (0, 0)
    victim_time_ns: tuple = (0, 0)

    def to_dict(self):
        return {
            'rank': self.rank,
            'score': self.score,
            'share': self.share,
            'total': self.total,
            'attributed': self.attributed,
            'culprit': dict(self.culprit, nf_level=self.culprit_nf_level),
            'victim': dict(self.victim, nf_level=self.victim_nf_level),
            'rows': self.rows,
            'culprit_time_ns': list(self.culprit_time_ns),
            'victim_time_ns': list(self.victim_time_ns),
        }

    def cells(self):
        return ([self.culprit[k] for k in SHOW_ORDER] + ['=>']
                + [self.victim[k] for k in SHOW_ORDER])

    def render(self):
        """One Fig.-14-style line: culprit 5-tuple, location => victim."""
        return '  '.join(self.cells()) + '  : %.2f%%' % (100 * self.share)

    def contains(self, field_lo, field_hi=None):
        """Whether the 12 field nodes (domain values; see
        :func:`.fields.domain_values`) lie inside this pattern."""
        field_hi = field_lo if field_hi is None else field_hi
        return all(a <= x and y <= b for a, b, x, y in
                   zip(self.lo, self.hi, field_lo, field_hi))


@dataclasses.dataclass
class AggregationResult:
    patterns: list
    total: float
    params: AggregationParams
    port_ranges: dict
    stats: dict

    def __len__(self):
        return len(self.patterns)

    @property
    def explained(self):
        return float(sum(p.score for p in self.patterns))

    def to_dict(self, top=None):
        pats = self.patterns if top is None else self.patterns[:top]
        return {
            'total': self.total,
            'threshold': self.params.threshold,
            'adaptive_ports': self.params.adaptive_ports,
            'port_ranges': {k: ['%d-%d' % tuple(r) for r in v]
                            for k, v in self.port_ranges.items()},
            'count': len(self.patterns),
            'patterns': [p.to_dict() for p in pats],
            'stats': self.stats,
        }

    def render(self, top=None):
        """Fig.-14-style table of the ranked patterns."""
        pats = self.patterns if top is None else self.patterns[:top]
        head = (['#', 'share'] + ['c.' + k for k in SHOW_ORDER] + ['']
                + ['v.' + k for k in SHOW_ORDER])
        rows = [[str(p.rank), '%.2f%%' % (100 * p.share)] + p.cells() for p in pats]
        widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
        out = ['  '.join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
               for r in [head] + rows]
        return '\n'.join(out) + '\n'
