"""Injected faults (§6.2) and natural noise for the emulator.

Three kinds, with the paper's ranges when drawn at random:

* ``burst``: a 5-tuple flow of the traffic sends 500-2500 extra packets at
  a high rate from its source (culprit: the source's flow);
* ``interrupt``: an NF instance stalls for 500-1000 us (culprit: the NF);
* ``bug``: a firewall instance processes flows matching a rule at 0.05
  Mpps; trigger flows of 50-150 packets are injected (culprit: the NF
  together with the trigger flows).

Natural noise (not faults, but part of the ground truth): per-packet
service jitter (set per NF) and short random stalls of every NF.
"""
import dataclasses

import numpy as np

from microscope_plugin.emulator.match import FlowMatch
from microscope_plugin.emulator.scenario import ScenarioError

BUG_MATCH = {'src': '100.0.0.1/32', 'dst': '32.0.0.1/32', 'proto': 'tcp',
             'sport': '2000-2008', 'dport': '6000-6008'}   # §6.4


@dataclasses.dataclass(frozen=True)
class Fault:
    id: int
    kind: str                 # 'burst' | 'interrupt' | 'bug'
    at_ns: float
    nf: str = None            # interrupt, bug
    source: str = None        # burst
    flow: dict = None         # burst: explicit 5-tuple, else a random flow
    packets: int = 0          # burst size / trigger packets
    rate_pps: float = 0.0     # burst or trigger sending rate
    duration_ns: float = 0.0  # interrupt length
    slow_rate_pps: float = 0.0  # bug: processing rate of matching flows
    match: FlowMatch = None   # bug: which flows trigger it
    flows: int = 1            # bug: distinct trigger flows, taking turns

    def to_dict(self):
        d = dataclasses.asdict(self)
        d['match'] = None if self.match is None else dataclasses.asdict(self.match)
        return {k: v for k, v in d.items() if v not in (None, 0, 0.0)}


def _get(raw, key, field, kind=float, default=None, lo=None):
    if key not in raw:
        if default is None:
            raise ScenarioError('%s.%s' % (field, key), 'missing')
        return default
    v = raw[key]
    try:
        v = kind(v)
    except (TypeError, ValueError):
        raise ScenarioError('%s.%s' % (field, key), 'expected %s, got %r'
                            % (kind.__name__, raw[key]))
    if lo is not None and v < lo:
        raise ScenarioError('%s.%s' % (field, key), 'must be >= %s, got %r'
                            % (lo, v))
    return v


def parse_faults(scenario):
    """Explicit faults of the scenario, then the randomly drawn ones."""
    nfs = {i.name for i in scenario.instances}
    srcs = {s.name for s in scenario.sources}
    out = []
    for i, raw in enumerate(scenario.faults):
        f = 'faults[%d]' % i
        if not isinstance(raw, dict):
            raise ScenarioError(f, 'expected a mapping')
        kind = raw.get('kind')
        at = _get(raw, 'at_s', f, lo=0) * 1e9
        if at >= scenario.duration_s * 1e9:
            raise ScenarioError(f + '.at_s', 'after the end of the run (%g s)'
                                % scenario.duration_s)
        if kind == 'burst':
            src = raw.get('source', scenario.sources[0].name)
            if src not in srcs:
                raise ScenarioError(f + '.source', 'unknown source %r' % src)
            out.append(Fault(len(out), 'burst', at, source=src,
                             flow=raw.get('flow'),
                             packets=_get(raw, 'packets', f, int, lo=1),
                             rate_pps=_get(raw, 'rate_mpps', f, default=2.0,
                                           lo=1e-6) * 1e6))
        elif kind == 'interrupt':
            if raw.get('nf') not in nfs:
                raise ScenarioError(f + '.nf', 'unknown NF %r' % (raw.get('nf'),))
            out.append(Fault(len(out), 'interrupt', at, nf=raw['nf'],
                             duration_ns=_get(raw, 'duration_us', f, lo=0) * 1e3))
        elif kind == 'bug':
            if raw.get('nf') not in nfs:
                raise ScenarioError(f + '.nf', 'unknown NF %r' % (raw.get('nf'),))
            out.append(Fault(
                len(out), 'bug', at, nf=raw['nf'],
                match=FlowMatch.parse(raw.get('match', BUG_MATCH), f + '.match'),
                slow_rate_pps=_get(raw, 'rate_mpps', f, default=0.05,
                                   lo=1e-6) * 1e6,
                packets=_get(raw, 'packets', f, int, default=100, lo=1),
                rate_pps=_get(raw, 'trigger_rate_mpps', f, default=0.2,
                              lo=1e-6) * 1e6,
                flows=_get(raw, 'flows', f, int, default=1, lo=1)))
        else:
            raise ScenarioError(f + '.kind', 'expected burst, interrupt or bug, '
                                'got %r' % (kind,))
    out.extend(random_faults(scenario, len(out)))
    return out


def random_faults(scenario, first_id=0):
    """Faults drawn with the paper's ranges (§6.2), separated in time:
    ``gap_ms`` apart from ``start_s``, or evenly over the rest of the run
    when it is too short for that."""
    spec = scenario.random_faults
    if not spec:
        return []
    field = 'random_faults'
    extra = set(spec) - {'bursts', 'interrupts', 'bugs', 'start_s', 'gap_ms',
                         'burst_packets', 'interrupt_us', 'bug_packets',
                         'burst_rate_mpps', 'seed', 'firewall_type'}
    if extra:
        raise ScenarioError(field, 'unknown field(s): %s' % ', '.join(sorted(extra)))
    rng = np.random.default_rng([scenario.seed, int(spec.get('seed', 7))])
    kinds = (['burst'] * _get(spec, 'bursts', field, int, 0, 0)
             + ['interrupt'] * _get(spec, 'interrupts', field, int, 0, 0)
             + ['bug'] * _get(spec, 'bugs', field, int, 0, 0))
    rng.shuffle(kinds)
    start = _get(spec, 'start_s', field, default=0.1, lo=0) * 1e9
    gap = _get(spec, 'gap_ms', field, default=100.0, lo=0.001) * 1e6
    end = scenario.duration_s * 1e9
    if start >= end:
        raise ScenarioError(field + '.start_s', 'after the end of the run '
                            '(%g s)' % scenario.duration_s)
    if kinds and start + gap * len(kinds) > end:
        # a shortened run keeps its faults, spread evenly over what is left
        gap = (end - start) / len(kinds)
    bp = spec.get('burst_packets', [500, 2500])
    iu = spec.get('interrupt_us', [500, 1000])
    tp = spec.get('bug_packets', [50, 150])
    fw_type = spec.get('firewall_type', 'firewall')
    firewalls = [i.name for i in scenario.instances if i.type == fw_type]
    if 'bug' in kinds and not firewalls:
        raise ScenarioError(field + '.bugs', 'no NF of type %r to carry a bug'
                            % fw_type)
    nfs = [i.name for i in scenario.instances]
    out = []
    for k, kind in enumerate(kinds):
        at = start + k * gap + rng.uniform(0, gap * 0.1)
        fid = first_id + k
        if kind == 'burst':
            out.append(Fault(fid, 'burst', at, source=scenario.sources[0].name,
                             packets=int(rng.integers(bp[0], bp[1] + 1)),
                             rate_pps=float(spec.get('burst_rate_mpps', 2.0)) * 1e6))
        elif kind == 'interrupt':
            out.append(Fault(fid, 'interrupt', at, nf=str(rng.choice(nfs)),
                             duration_ns=float(rng.uniform(iu[0], iu[1])) * 1e3))
        else:
            out.append(Fault(fid, 'bug', at, nf=str(rng.choice(firewalls)),
                             match=FlowMatch.parse(BUG_MATCH, field),
                             slow_rate_pps=0.05e6,
                             packets=int(rng.integers(tp[0], tp[1] + 1)),
                             rate_pps=0.2e6))
    return out


def natural_stalls(noise, nf_names, duration_ns, rng):
    """Short random stalls of every NF (cache misses, context switches):
    ``noise: {stalls_per_s: 20, stall_us: [2, 20]}``.  Returns
    ``{nf: (starts, ends)}`` in ns."""
    extra = set(noise) - {'stalls_per_s', 'stall_us'}
    if extra:
        raise ScenarioError('noise', 'unknown field(s): %s' % ', '.join(sorted(extra)))
    rate = float(noise.get('stalls_per_s', 0.0))
    lo, hi = noise.get('stall_us', [2.0, 20.0])
    out = {}
    for nf in nf_names:
        n = rng.poisson(rate * duration_ns / 1e9)
        starts = np.sort(rng.uniform(0, duration_ns, n))
        out[nf] = (starts, starts + rng.uniform(lo, hi, n) * 1e3)
    return out
