"""Traffic for the emulator: CAIDA-like synthetic flows, or a user's pcap.

The synthetic model (§6.1 uses CAIDA traces replayed at 1.2 Mpps, 64-byte
packets) draws:

* flow arrivals as a Poisson process, flow sizes from a Pareto law
  (heavy tail, capped), packets inside a flow at exponential gaps around a
  per-flow rate drawn from a log-normal;
* source and destination hosts from prefix-structured address pools
  (/8 -> /16 -> /24 -> host) with Zipf popularity;
* destination ports from a service mix, ephemeral source ports, TCP/UDP.

IPIDs are not drawn here: :func:`assign_ipids` gives every source host a
16-bit counter, as real IPv4 stacks do, once all traffic (including
injected faults) is known.
"""
import dataclasses

import numpy as np

from microscope_plugin import pcap

SERVICES = ((443, 6, 0.38), (80, 6, 0.30), (53, 17, 0.06), (22, 6, 0.03),
            (25, 6, 0.03), (123, 17, 0.02), (8080, 6, 0.04), (3478, 17, 0.02))
FIRST_OCTETS = (12, 24, 38, 45, 61, 66, 71, 98, 104, 128, 151, 172, 185, 203,
                211)


@dataclasses.dataclass
class Traffic:
    """Packets in source order (columns).  ``t_ns`` is the time a packet
    leaves its source; ``inj`` is the injected fault id or -1."""

    t_ns: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    sport: np.ndarray
    dport: np.ndarray
    proto: np.ndarray
    flow: np.ndarray
    source: np.ndarray
    key: np.ndarray
    inj: np.ndarray
    ipid: np.ndarray = None

    FIELDS = ('t_ns', 'src', 'dst', 'sport', 'dport', 'proto', 'flow',
              'source', 'key', 'inj', 'ipid')

    def __len__(self):
        return len(self.t_ns)

    def take(self, index):
        return Traffic(**{f: (getattr(self, f)[index]
                              if getattr(self, f) is not None else None)
                          for f in self.FIELDS})

    @classmethod
    def concat(cls, parts):
        out = {}
        for f in cls.FIELDS:
            cols = [getattr(p, f) for p in parts]
            out[f] = None if any(c is None for c in cols) else np.concatenate(cols)
        return cls(**out)

    def sorted(self):
        return self.take(np.lexsort((self.key, self.t_ns)))


def address_pool(rng, n):
    """``n`` distinct prefix-structured IPv4 addresses, most popular first."""
    o1 = np.array(FIRST_OCTETS)[rng.zipf(1.6, n * 2) % len(FIRST_OCTETS)]
    o2 = rng.zipf(1.4, n * 2) % 256
    o3 = rng.zipf(1.3, n * 2) % 256
    o4 = rng.integers(1, 255, n * 2)
    addr = (o1.astype(np.uint64) << 24) | (o2.astype(np.uint64) << 16) \
        | (o3.astype(np.uint64) << 8) | o4.astype(np.uint64)
    _, first = np.unique(addr, return_index=True)
    keep = addr[np.sort(first)][:n]
    return rng.permutation(keep).astype(np.uint32)


def zipf_pick(rng, n_items, n, s):
    p = 1.0 / np.arange(1, n_items + 1) ** s
    p /= p.sum()
    return rng.choice(n_items, size=n, p=p)


def synthetic(spec, duration_s, rng, source_index=0, field='traffic'):
    """CAIDA-like packets for one source over ``[0, duration_s)``."""
    from microscope_plugin.emulator.scenario import ScenarioError
    known = {'model', 'rate_mpps', 'mean_flow_packets', 'flow_size_alpha',
             'max_flow_packets', 'flow_rate_kpps', 'src_hosts', 'dst_hosts',
             'zipf'}
    extra = set(spec) - known
    if extra:
        raise ScenarioError(field, 'unknown field(s): %s' % ', '.join(sorted(extra)))
    rate = float(spec.get('rate_mpps', 1.0)) * 1e6
    if not rate > 0:
        raise ScenarioError(field + '.rate_mpps', 'must be positive')
    mean = float(spec.get('mean_flow_packets', 12.0))
    alpha = float(spec.get('flow_size_alpha', 1.3))
    if mean < 1 or alpha <= 1:
        raise ScenarioError(field, 'mean_flow_packets must be >= 1 and '
                            'flow_size_alpha > 1')
    cap = int(spec.get('max_flow_packets', 20000))
    flow_kpps = float(spec.get('flow_rate_kpps', 20.0))
    zipf_s = float(spec.get('zipf', 1.05))
    warm = 0.05
    n_flows = rng.poisson(rate * (duration_s + warm) / mean)
    xm = mean * (alpha - 1) / alpha
    size = np.minimum(np.ceil(xm * (1 + rng.pareto(alpha, n_flows))), cap)
    size = size.astype(np.int64)
    start = rng.uniform(-warm, duration_s, n_flows) * 1e9
    gap = 1e9 / (flow_kpps * 1e3 * rng.lognormal(0.0, 1.0, n_flows))
    src_pool = address_pool(rng, int(spec.get('src_hosts', 20000)))
    dst_pool = address_pool(rng, int(spec.get('dst_hosts', 5000)))
    src = src_pool[zipf_pick(rng, len(src_pool), n_flows, zipf_s)]
    dst = dst_pool[zipf_pick(rng, len(dst_pool), n_flows, zipf_s)]
    svc = np.array([s[2] for s in SERVICES])
    pick = rng.choice(len(SERVICES) + 1, size=n_flows,
                      p=np.append(svc, 1 - svc.sum()))
    dport = np.where(pick < len(SERVICES),
                     np.array([s[0] for s in SERVICES] + [0])[pick],
                     rng.integers(1024, 65536, n_flows))
    proto = np.where(pick < len(SERVICES),
                     np.array([s[1] for s in SERVICES] + [6])[pick],
                     np.where(rng.random(n_flows) < 0.9, 6, 17))
    sport = rng.integers(1024, 65536, n_flows)
    flow = np.repeat(np.arange(n_flows), size)
    within = rng.exponential(1.0, int(size.sum())) * gap[flow]
    csum = np.cumsum(within)
    offs = np.concatenate(([0.0], csum[np.cumsum(size)[:-1] - 1]))
    t = start[flow] + csum - offs[flow]
    keep = (t >= 0) & (t < duration_s * 1e9)
    flow, t = flow[keep], t[keep]
    n = len(t)
    return Traffic(t_ns=t, src=src[flow], dst=dst[flow],
                   sport=sport[flow].astype(np.uint16),
                   dport=dport[flow].astype(np.uint16),
                   proto=proto[flow].astype(np.uint8),
                   flow=flow.astype(np.int64),
                   source=np.full(n, source_index, dtype=np.int16),
                   key=np.zeros(n, dtype=np.int64),
                   inj=np.full(n, -1, dtype=np.int32))


def single_flow(spec, duration_s, rng, source_index=0, field='traffic'):
    """One 5-tuple flow at a constant rate (cross traffic, e.g. flow A of
    Fig. 2): ``{model: flow, rate_mpps, flow: {src, dst, sport, dport,
    proto}}``."""
    from microscope_plugin.emulator.match import FlowMatch
    from microscope_plugin.emulator.scenario import ScenarioError
    extra = set(spec) - {'model', 'rate_mpps', 'flow'}
    if extra:
        raise ScenarioError(field, 'unknown field(s): %s' % ', '.join(sorted(extra)))
    rate = float(spec.get('rate_mpps', 0.1)) * 1e6
    if not rate > 0:
        raise ScenarioError(field + '.rate_mpps', 'must be positive')
    flow = spec.get('flow') or {}
    m = FlowMatch.parse(flow, field + '.flow')
    tup = m.sample(rng, 1)
    t = np.arange(0.0, duration_s * 1e9, 1e9 / rate)
    n = len(t)
    return Traffic(t_ns=t, src=np.repeat(tup[0], n), dst=np.repeat(tup[1], n),
                   sport=np.repeat(tup[2], n), dport=np.repeat(tup[3], n),
                   proto=np.repeat(tup[4], n), flow=np.zeros(n, dtype=np.int64),
                   source=np.full(n, source_index, dtype=np.int16),
                   key=np.zeros(n, dtype=np.int64),
                   inj=np.full(n, -1, dtype=np.int32))


def from_pcap(spec, duration_s, source_index=0, field='traffic'):
    """Replay the IPv4 packets of a pcap (times rebased to 0, optionally
    sped up); keeps their real IPIDs."""
    from microscope_plugin.emulator.scenario import ScenarioError
    path = spec.get('path')
    if not path:
        raise ScenarioError(field + '.path', 'missing pcap path')
    try:
        cap = pcap.read_pcap(path)
    except (OSError, pcap.PcapError) as e:
        raise ScenarioError(field + '.path', str(e))
    v4 = cap.ipv4
    speed = float(spec.get('speed', 1.0))
    t = (cap.t_ns[v4] - (cap.t_ns[v4][0] if v4.any() else 0)) / speed
    keep = t < duration_s * 1e9
    t = t[keep].astype(np.float64)
    sel = np.flatnonzero(v4)[keep]
    key5 = np.stack([cap.src[sel], cap.dst[sel], cap.sport[sel],
                     cap.dport[sel], cap.proto[sel]]).astype(np.int64)
    _, flow = np.unique(key5, axis=1, return_inverse=True)
    n = len(t)
    return Traffic(t_ns=t, src=cap.src[sel], dst=cap.dst[sel],
                   sport=cap.sport[sel], dport=cap.dport[sel],
                   proto=cap.proto[sel], flow=flow.ravel().astype(np.int64),
                   source=np.full(n, source_index, dtype=np.int16),
                   key=np.zeros(n, dtype=np.int64),
                   inj=np.full(n, -1, dtype=np.int32),
                   ipid=cap.ipid[sel])


def assign_ipids(traffic, rng):
    """Per-source-host 16-bit IPID counters, incremented per packet sent.

    Packets that already carry an IPID (replayed from a pcap) keep it;
    injected packets get their host's counter.
    """
    n = len(traffic)
    order = np.lexsort((traffic.t_ns, traffic.src))
    src = traffic.src[order]
    new = np.ones(n, dtype=bool)
    new[1:] = src[1:] != src[:-1]
    start = np.flatnonzero(new)
    group = np.cumsum(new) - 1
    rank = np.arange(n) - start[group]
    init = rng.integers(0, 65536, len(start))
    ipid = np.empty(n, dtype=np.uint16)
    ipid[order] = ((init[group] + rank) & 0xFFFF).astype(np.uint16)
    if traffic.ipid is not None:
        return np.where(traffic.inj >= 0, ipid, traffic.ipid).astype(np.uint16)
    return ipid
