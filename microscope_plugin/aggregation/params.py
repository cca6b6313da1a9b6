"""Parameters of the pattern aggregation (§4.4): :class:`AggregationParams`
(threshold, port ranges, prefix lengths, the two-step decoupling, the
guard on candidates), validated when built."""
import dataclasses

import numpy as np

BYTE_PREFIXES = (0, 8, 16, 24, 32)


@dataclasses.dataclass(frozen=True)
class AggregationParams:
    """Parameters of :func:`aggregate`.

    ``threshold``: th of §4.4, a share of the total score (default 1 %).
    ``adaptive_ports``: data-derived port ranges replace their member ports
    (otherwise the static AutoFocus ranges).  ``port_seed``: share of the
    total score a port value needs to seed a range (default threshold/4);
    ``port_gap``: largest gap between consecutive seeds of one range;
    ``port_min_run``: fewest seeds per range.  ``prefix_lengths``: allowed
    IPv4 prefix lengths (default the byte steps /0, /8, /16, /24, /32;
    ``tuple(range(33))`` for every length).  ``two_step``: the paper's
    decoupling; ``group_threshold``: first-step threshold as a share of
    each group's score (default: ``threshold``).  ``max_clusters``: guard
    on candidate clusters (a clear error instead of running out of memory).
    """

    threshold: float = 0.01
    adaptive_ports: bool = True
    port_seed: float = None
    port_gap: int = 4
    port_min_run: int = 3
    prefix_lengths: tuple = BYTE_PREFIXES
    two_step: bool = True
    group_threshold: float = None
    max_clusters: int = 2_000_000

    def __post_init__(self):
        def bad(field, msg):
            raise ValueError('AggregationParams.%s: %s' % (field, msg))
        for f in ('threshold', 'port_seed', 'group_threshold'):
            v = getattr(self, f)
            if v is None and f != 'threshold':
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) \
                    or not np.isfinite(v) or not 0 <= v <= 1:
                bad(f, 'expected a share within [0, 1], got %r' % (v,))
        for f, lo in (('port_gap', 1), ('port_min_run', 2), ('max_clusters', 1)):
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
                bad(f, 'expected an integer >= %d, got %r' % (lo, v))
        lengths = tuple(sorted(set(self.prefix_lengths)))
        if not lengths or lengths[0] != 0 or lengths[-1] != 32 \
                or any(not isinstance(x, (int, np.integer)) or not 0 <= x <= 32
                       for x in lengths):
            bad('prefix_lengths', 'integers within 0..32 including 0 and 32, '
                'got %r' % (self.prefix_lengths,))
        object.__setattr__(self, 'prefix_lengths', lengths)

    @property
    def seed_share(self):
        return self.threshold / 4 if self.port_seed is None else self.port_seed

    @property
    def first_step_threshold(self):
        return self.threshold if self.group_threshold is None else self.group_threshold
