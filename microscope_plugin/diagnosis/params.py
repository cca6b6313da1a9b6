"""Parameters of a diagnosis, as small frozen dataclasses."""
import dataclasses

QUEUING_BURST = 'burst'      # §5: a burst below the maximum = queue drained
QUEUING_LENGTH = 'length'    # §7: exact queue length above a threshold
QUEUING_AUTO = 'auto'        # length where arrivals are known, else burst
QUEUING_MODES = (QUEUING_AUTO, QUEUING_BURST, QUEUING_LENGTH)


@dataclasses.dataclass(frozen=True)
class VictimCriteria:
    """Which packets are victims (§4.1, §5).

    A packet is a latency victim when its end-to-end latency is at or above
    ``latency_percentile`` (of the packets in the time range) or above
    ``latency_threshold_ns`` (when set, it wins).  Lost packets are victims
    when ``include_lost``.  Flows whose throughput through the NF graph
    falls below ``throughput_threshold_pps`` in a ``throughput_window_ns``
    window, while they entered faster, make their packets of that window
    victims.  ``in_nf_delay_sigma`` (§7) makes victims of packets whose
    in-NF processing delay exceeds the NF's mean by that many standard
    deviations (0 disables).
    """

    latency_percentile: float = 99.0
    latency_threshold_ns: int = None
    include_lost: bool = True
    throughput_threshold_pps: float = None
    throughput_window_ns: int = 1_000_000
    in_nf_delay_sigma: float = 0.0
    max_victims: int = None

    def __post_init__(self):
        if not 0 < self.latency_percentile < 100:
            raise ValueError('latency_percentile must be in (0, 100), got %r'
                             % self.latency_percentile)
        if self.latency_threshold_ns is not None and self.latency_threshold_ns < 0:
            raise ValueError('latency_threshold_ns must be >= 0')
        if self.throughput_threshold_pps is not None \
                and not self.throughput_threshold_pps > 0:
            raise ValueError('throughput_threshold_pps must be positive')
        if self.throughput_window_ns <= 0:
            raise ValueError('throughput_window_ns must be positive')
        if self.in_nf_delay_sigma < 0:
            raise ValueError('in_nf_delay_sigma must be >= 0')


@dataclasses.dataclass(frozen=True)
class DiagnosisParams:
    """How to diagnose (§4.1-4.3).

    ``queuing``: how the start of a queuing period is found.  ``burst`` is
    the paper's (§5): the queue drained at the last rx burst below the
    size the NF asked for.  ``length`` (§7's future work) counts the exact
    number of packets in the NF — arrivals reconstructed from upstream tx
    records minus departures — and a period starts when it rises above
    ``queue_threshold`` (0: the NF was idle with an empty queue).  It also
    sees drains that burst sizes hide: an upstream that forwards in full
    batches of 32 makes every read full while the queue empties between
    them.  ``auto`` uses ``length`` at NFs whose arrivals are
    known and ``burst`` at the others (first NFs without an entry tap).

    ``peak_rates``: r_i per NF name in packets/s; NFs not listed use the
    topology's configured peak rate, or, with ``measure_peak_rates`` (or no
    configured rate), the maximum sustained processing rate measured in
    the trace.  ``history_ns``: the recent history over which an NF's
    local latency is abnormal beyond one standard deviation (§4.1).
    """

    start_ns: int = None
    end_ns: int = None
    victims: VictimCriteria = VictimCriteria()
    queuing: str = QUEUING_AUTO
    queue_threshold: int = 0
    peak_rates: tuple = ()              # ((nf name, pps), ...)
    measure_peak_rates: bool = False
    history_ns: int = 100_000_000
    abnormal_sigma: float = 1.0
    max_depth: int = 8
    min_score: float = 1e-3
    top_flows: int = 8

    def __post_init__(self):
        if self.queuing not in QUEUING_MODES:
            raise ValueError('queuing must be one of %s, got %r'
                             % (', '.join(QUEUING_MODES), self.queuing))
        if self.queue_threshold < 0:
            raise ValueError('queue_threshold must be >= 0')
        if self.queuing == QUEUING_BURST and self.queue_threshold:
            raise ValueError('a non-zero queue_threshold needs '
                             "queuing='length' (burst sizes only show an "
                             'empty queue)')
        if self.start_ns is not None and self.end_ns is not None \
                and self.end_ns <= self.start_ns:
            raise ValueError('end_ns must be after start_ns')
        for name, rate in dict(self.peak_rates).items():
            if not rate > 0:
                raise ValueError('peak rate of %s must be positive, got %r'
                                 % (name, rate))
        if self.history_ns <= 0 or self.max_depth < 1 or self.top_flows < 1:
            raise ValueError('history_ns, max_depth and top_flows must be '
                             'positive')

    def to_dict(self):
        d = dataclasses.asdict(self)
        d['peak_rates'] = dict(self.peak_rates)
        return d

    @classmethod
    def from_dict(cls, d):
        d = dict(d)
        v = d.pop('victims', None) or {}
        if not isinstance(v, dict):
            raise ValueError('victims: expected a mapping')
        known = {f.name for f in dataclasses.fields(VictimCriteria)}
        bad = set(v) - known
        if bad:
            raise ValueError('victims: unknown field(s) %s' % ', '.join(sorted(bad)))
        known = {f.name for f in dataclasses.fields(cls)}
        bad = set(d) - known
        if bad:
            raise ValueError('unknown field(s) %s' % ', '.join(sorted(bad)))
        pr = d.pop('peak_rates', {}) or {}
        return cls(victims=VictimCriteria(**v),
                   peak_rates=tuple(sorted(dict(pr).items())), **d)
