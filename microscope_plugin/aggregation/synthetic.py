"""Synthetic expanded causal relations for benchmarks and demos.

Flows, their sizes (heavy-tailed) and their paths come from the emulator's
CAIDA-like traffic model and flow-hash router for a scenario (default: the
paper's 16-NF chain), so 5-tuples, NF instances and their mix look like
what the engine will produce.  On top of the background, a §6.4-style bug
is planted: culprit flows 100.0.0.1 -> 32.0.0.1 TCP, sport 2000-2008,
dport 6000-6008, processed slowly at one firewall, interleaved with the
background flows that firewall processes in the same queuing periods;
victims at that firewall and, by propagation, at the VPNs after it.

Not a substitute for the engine: scores and time gaps are drawn from
simple laws (documented below), only shaped like §6.5.
"""
import dataclasses
import ipaddress

import numpy as np

from microscope_plugin.aggregation.records import NFCatalog, RelationRecords

BUG_SRC = '100.0.0.1'
BUG_DST = '32.0.0.1'
BUG_SPORTS = (2000, 2008)
BUG_DPORTS = (6000, 6008)
EPOCH_NS = 1_000_000_000


@dataclasses.dataclass(frozen=True)
class SyntheticSpec:
    """``relations``: causal relations (victim packet, culprit set) pairs;
    ``victims_per_group``: mean relations sharing one culprit packet set;
    ``flows_per_group``: mean distinct culprit flows per set (heavy-tailed);
    ``bug_share``: share of the total score from the planted bug;
    ``bug_nf``: the firewall instance carrying it; ``bug_flows``:
    ``'paired'`` for the 9 flows 2000->6000 ... 2008->6008 (the pairs of
    Fig. 14) or ``'cross'`` for all 81 sport x dport combinations;
    ``local_share``: share of background relations whose culprit is the
    victim's own NF."""

    relations: int = 84_000
    victims_per_group: float = 4.0
    flows_per_group: float = 4.0
    bug_share: float = 0.2
    bug_nf: str = 'firewall2'
    bug_flows: str = 'paired'
    local_share: float = 0.75
    source_share: float = 0.08
    seed: int = 0
    preset: str = 'paper16'


def _ip(text):
    return int(ipaddress.IPv4Address(text))


def _flows(sc, rng):
    """Distinct flows of a short slice of the scenario's traffic: 5-tuple
    columns, packet counts and per-hop catalog NF ids (-1 past the end)."""
    from microscope_plugin.emulator import traffic
    from microscope_plugin.emulator.routing import Router
    src = sc.sources[0]
    spec = dict(src.traffic)
    spec.setdefault('model', 'caida')
    tr = traffic.synthetic(spec, 0.05, rng)
    key = np.column_stack([tr.src, tr.dst, tr.sport, tr.dport, tr.proto]).astype(np.int64)
    uniq, counts = np.unique(key, axis=0, return_counts=True)
    router = Router(sc)
    path, _ = router.route(uniq[:, 0].astype(np.uint32), uniq[:, 1].astype(np.uint32),
                           uniq[:, 2], uniq[:, 3], uniq[:, 4],
                           np.zeros(len(uniq), dtype=np.int64))
    nsrc = len(sc.sources)
    path = np.where(path >= 0, path.astype(np.int64) + nsrc, -1)
    return uniq, counts.astype(np.float64), path


def _time_gaps(rng, n):
    """Culprit -> victim gaps shaped like Fig. 15: half under 1.5 ms, the
    rest spread to 50 ms, a tail to ~90 ms."""
    u = rng.random(n)
    g = np.where(u < 0.5, rng.uniform(0, 1.5e6, n),
                 np.where(u < 0.95, rng.uniform(1.5e6, 50e6, n),
                          rng.uniform(50e6, 91e6, n)))
    return g.astype(np.int64)


def synthetic_relations(spec=None, **kw):
    """``(records, catalog, truth)``: a :class:`RelationRecords` set with
    ``spec.relations`` relations, the scenario's :class:`NFCatalog`, and a
    dict describing the planted bug."""
    from microscope_plugin import emulator
    spec = spec or SyntheticSpec(**kw)
    rng = np.random.default_rng(spec.seed)
    sc = emulator.load_scenario(spec.preset)
    catalog = NFCatalog.from_topology(sc.topology())
    flows, size, path = _flows(sc, rng)
    nflows = len(flows)
    nf_ids = np.arange(len(sc.sources), len(catalog))
    bug_nf = catalog.index(spec.bug_nf)
    # flows through each NF (by packets), and each NF's downstream NFs
    through = {}
    downstream = {int(f): set() for f in nf_ids}
    for f in nf_ids:
        on = np.any(path == f, axis=1)
        through[int(f)] = np.flatnonzero(on)
    for h in range(path.shape[1] - 1):
        for a, b in zip(path[:, h], path[:, h + 1]):
            if a >= 0 and b >= 0:
                downstream[int(a)].add(int(b))
    downstream = {k: np.array(sorted(v), dtype=np.int64) for k, v in downstream.items()}

    n_rel = int(spec.relations)
    n_bug_rel = int(round(n_rel * spec.bug_share))
    n_bg_rel = n_rel - n_bug_rel
    parts = []
    gid = 0
    duration_ns = int(sc.duration_s * 1e9)

    cdfs = {}

    def pick_flows(pool, k, distinct=True):
        """k flows of the pool, drawn by packets (heavy-tailed)."""
        key = id(pool)
        if key not in cdfs:
            c = np.cumsum(size[pool])
            cdfs[key] = (pool, c / c[-1])
        pool_, cdf = cdfs[key]
        pick = pool_[np.minimum(np.searchsorted(cdf, rng.random(k)), pool_.size - 1)]
        return np.unique(pick) if distinct else pick

    def n_flows():
        # heavy-tailed number of culprit flows per culprit packet set
        return int(min(1 + rng.zipf(1.8), 40)) if spec.flows_per_group > 1 else 1

    def emit(c_tuple, c_nf, c_share, v_tuple, v_nf, v_score, t0):
        """Rows of one group: every victim x every culprit flow."""
        nonlocal gid
        m, k = len(v_score), len(c_share)
        vi = np.repeat(np.arange(m), k)
        ci = np.tile(np.arange(k), m)
        t_gap = _time_gaps(rng, m)
        parts.append(dict(
            group=np.full(m * k, gid, dtype=np.int64),
            c_src=c_tuple[ci, 0], c_dst=c_tuple[ci, 1], c_sport=c_tuple[ci, 2],
            c_dport=c_tuple[ci, 3], c_proto=c_tuple[ci, 4],
            c_nf=np.full(m * k, c_nf, dtype=np.int64),
            v_src=v_tuple[vi, 0], v_dst=v_tuple[vi, 1], v_sport=v_tuple[vi, 2],
            v_dport=v_tuple[vi, 3], v_proto=v_tuple[vi, 4], v_nf=v_nf[vi],
            weight=v_score[vi] * c_share[ci],
            c_t_ns=np.full(m * k, t0, dtype=np.int64),
            v_t_ns=t0 + t_gap[vi]))
        gid += 1

    # ---- background: local, propagated and source culprits
    all_flows = np.arange(nflows)
    for f in list(through):
        if through[f].size == 0:
            through[f] = all_flows
    upstream = {int(f): [a for a, d in downstream.items() if int(f) in d] for f in nf_ids}
    mix = _nf_mix(catalog, nf_ids)
    made = 0
    while made < n_bg_rel:
        m = int(min(max(1, rng.geometric(1.0 / spec.victims_per_group)), n_bg_rel - made))
        v_nf_one = int(nf_ids[np.searchsorted(np.cumsum(mix), rng.random() * mix.sum())])
        u = rng.random()
        if u < spec.local_share:
            c_nf = v_nf_one
            pool = through[c_nf]
        elif u < spec.local_share + spec.source_share:
            c_nf = 0                                   # the traffic source
            pool = through[v_nf_one]
        else:
            ups = upstream[v_nf_one]
            c_nf = int(ups[rng.integers(len(ups))]) if ups else v_nf_one
            pool = through[c_nf]
        cf = pick_flows(pool, n_flows())
        share = rng.dirichlet(np.maximum(size[cf], 1.0) ** 0.5)
        vf = pick_flows(through[v_nf_one], m, distinct=False)
        score = rng.lognormal(0.0, 1.0, m)
        t0 = EPOCH_NS + int(rng.integers(0, duration_ns))
        emit(flows[cf], c_nf, share, flows[vf], np.full(m, v_nf_one), score, t0)
        made += m
    bg_score = float(sum(p['weight'].sum() for p in parts))

    # ---- the planted bug at spec.bug_nf
    bug_parts_start = len(parts)
    bug_src, bug_dst = _ip(BUG_SRC), _ip(BUG_DST)
    sports = np.arange(BUG_SPORTS[0], BUG_SPORTS[1] + 1)
    dports = np.arange(BUG_DPORTS[0], BUG_DPORTS[1] + 1)
    if spec.bug_flows == 'paired':
        pairs = np.column_stack([sports, dports])
    elif spec.bug_flows == 'cross':
        pairs = np.array([(a, b) for a in sports for b in dports])
    else:
        raise ValueError("SyntheticSpec.bug_flows: expected 'paired' or 'cross', "
                         "got %r" % (spec.bug_flows,))
    fw_pool = through[bug_nf]
    vpns = downstream.get(bug_nf, np.zeros(0, dtype=np.int64))
    made = 0
    while made < n_bug_rel:
        m = int(min(max(1, rng.geometric(1.0 / spec.victims_per_group)), n_bug_rel - made))
        kb = int(rng.integers(1, 4))
        pk = pairs[rng.choice(len(pairs), kb, replace=False)]
        bt = np.column_stack([np.full(kb, bug_src), np.full(kb, bug_dst),
                              pk[:, 0], pk[:, 1], np.full(kb, 6)]).astype(np.int64)
        kg = int(rng.integers(0, 4))
        bg = flows[pick_flows(fw_pool, kg)] if kg else np.zeros((0, 5), np.int64)
        c_tuple = np.vstack([bt, bg])
        # the slowly processed bug packets dominate the culprit set
        share = np.concatenate([rng.uniform(0.6, 1.0, kb) * 4, rng.uniform(0, 1, len(bg))])
        share /= share.sum()
        to_vpn = rng.random(m) < 0.3 if vpns.size else np.zeros(m, bool)
        v_nf = np.where(to_vpn, rng.choice(vpns, m) if vpns.size else bug_nf, bug_nf)
        vf = pick_flows(fw_pool, m, distinct=False)
        score = rng.lognormal(0.0, 1.0, m)
        t0 = EPOCH_NS + int(rng.integers(0, duration_ns))
        emit(c_tuple, bug_nf, share, flows[vf], v_nf.astype(np.int64), score, t0)
        made += m
    bug_score = float(sum(p['weight'].sum() for p in parts[bug_parts_start:]))
    if bug_score > 0 and spec.bug_share < 1:
        # scale so that the bug carries bug_share of the total score
        f = spec.bug_share / (1 - spec.bug_share) * bg_score / bug_score
        for p in parts[bug_parts_start:]:
            p['weight'] = p['weight'] * f
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    perm = rng.permutation(len(cols['group']))
    rec = RelationRecords.build(**{k: v[perm] for k, v in cols.items()})
    truth = {'bug_nf': spec.bug_nf, 'bug_share': spec.bug_share,
             'match': {'src': BUG_SRC + '/32', 'dst': BUG_DST + '/32', 'proto': 'tcp',
                       'sport': '%d-%d' % BUG_SPORTS, 'dport': '%d-%d' % BUG_DPORTS},
             'bug_flows': spec.bug_flows, 'relations': n_rel, 'groups': gid,
             'rows': len(rec)}
    return rec, catalog, truth


def _nf_mix(catalog, nf_ids):
    """Victim NF mix roughly like §6.5 (Table 2 column sums): NAT 18 %,
    firewall 31 %, monitor 23 %, VPN 28 %, split over instances."""
    share = {'nat': 0.18, 'firewall': 0.31, 'monitor': 0.23, 'vpn': 0.28}
    types = [catalog.types[i] for i in nf_ids]
    counts = {t: types.count(t) for t in set(types)}
    p = np.array([share.get(t, 0.1) / counts[t] for t in types])
    return p / p.sum()
