"""Run a scenario: traffic -> faults -> routing -> NF poll loops.

:func:`emulate` returns an :class:`Emulation`, whose per-packet, per-hop
arrays are the ground truth (arrival, read and departure at every NF);
:mod:`microscope_plugin.emulator.output` turns it into record files.
"""
import dataclasses

import numpy as np

from microscope_plugin.emulator import faults as faults_mod
from microscope_plugin.emulator import nfsim
from microscope_plugin.emulator import traffic as traffic_mod
from microscope_plugin.emulator.routing import Router, uniform

EPOCH_NS = 1_767_225_600_000_000_000      # 2026-01-01T00:00:00Z


@dataclasses.dataclass
class NFBursts:
    """What one NF instance did: its read order and rx bursts."""

    rx_seq: np.ndarray      # packet indices in read order
    rx_t: np.ndarray        # rx burst times (ns)
    rx_n: np.ndarray        # rx burst sizes
    tx_t: np.ndarray        # tx time of each rx burst's packets (ns)
    hop: np.ndarray         # hop index of each packet of rx_seq
    dropped: int = 0


@dataclasses.dataclass
class Emulation:
    scenario: object
    traffic: object         # traffic_mod.Traffic, sorted by source time
    faults: list
    path: np.ndarray        # (n, H) instance index, -1 past the end
    port: np.ndarray        # (n, H) tx port at each hop
    arr: np.ndarray         # (n, H) arrival at the NF's queue (ns), NaN if none
    read: np.ndarray
    dep: np.ndarray
    nf: dict                # instance name -> NFBursts
    stalls: dict            # instance name -> (starts, ends) incl. interrupts
    natural_stalls: dict
    record_rows: dict = dataclasses.field(default_factory=dict)

    @property
    def instances(self):
        return [i.name for i in self.scenario.instances]

    def lost(self):
        """Per packet: index of the hop where it was dropped, or -1."""
        reached = ~np.isnan(self.arr)
        done = ~np.isnan(self.dep)
        lost_at = np.where(reached & ~done)
        out = np.full(len(self.traffic), -1, dtype=np.int64)
        out[lost_at[0]] = lost_at[1]
        return out


def build_traffic(scenario, rng):
    parts = []
    for k, s in enumerate(scenario.sources):
        spec = dict(s.traffic)
        model = spec.pop('model', 'caida')
        field = 'sources[%d].traffic' % k
        if model == 'caida':
            parts.append(traffic_mod.synthetic(spec, scenario.duration_s, rng, k,
                                               field))
        elif model == 'flow':
            parts.append(traffic_mod.single_flow(spec, scenario.duration_s, rng,
                                                 k, field))
        elif model == 'pcap':
            parts.append(traffic_mod.from_pcap(spec, scenario.duration_s, k,
                                               field))
        else:
            raise faults_mod.ScenarioError(field + '.model', 'expected caida, flow '
                                           'or pcap, got %r' % (model,))
    offset = 0
    for p in parts:
        p.flow += offset
        offset = int(p.flow.max()) + 1 if len(p) else offset
    t = traffic_mod.Traffic.concat(parts).sorted()
    t.key = np.arange(len(t), dtype=np.int64)
    return t


def _inject(scenario, base, faults, router, rng):
    """Add the packets of burst and bug faults to the traffic."""
    extra = []
    next_flow = int(base.flow.max()) + 1 if len(base) else 0
    next_key = len(base)
    src_index = {s.name: k for k, s in enumerate(scenario.sources)}
    for f in faults:
        if f.kind == 'burst':
            k = src_index[f.source]
            if f.flow:
                from microscope_plugin.emulator.match import FlowMatch
                m = FlowMatch.parse({**f.flow}, 'faults[%d].flow' % f.id)
                tup = m.sample(rng, 1)
                flows = np.array([next_flow])
                next_flow += 1
            else:
                cand = np.flatnonzero((base.source == k)
                                      & (np.abs(base.t_ns - f.at_ns) < 5e6))
                if cand.size == 0:
                    cand = np.flatnonzero(base.source == k)
                i = rng.choice(cand)
                tup = (base.src[i:i + 1], base.dst[i:i + 1], base.sport[i:i + 1],
                       base.dport[i:i + 1], base.proto[i:i + 1])
                flows = base.flow[i:i + 1]
        elif f.kind == 'bug':
            bug_inst = router.inst_index[f.nf]
            tup, k = _trigger_tuples(scenario, f, router, bug_inst, rng)
            flows = next_flow + np.arange(len(tup[0]))
            next_flow += len(tup[0])
        else:
            continue
        n = f.packets
        t = f.at_ns + np.arange(n) * (1e9 / f.rate_pps)
        keep = t < scenario.duration_s * 1e9
        n = int(keep.sum())
        which = np.arange(n) % len(tup[0])      # trigger flows take turns
        extra.append(traffic_mod.Traffic(
            t_ns=t[:n], src=tup[0][which].astype(np.uint32),
            dst=tup[1][which].astype(np.uint32),
            sport=tup[2][which].astype(np.uint16),
            dport=tup[3][which].astype(np.uint16),
            proto=tup[4][which].astype(np.uint8),
            flow=np.asarray(flows, dtype=np.int64)[which],
            source=np.full(n, k, dtype=np.int16),
            key=np.arange(next_key, next_key + n, dtype=np.int64),
            inj=np.full(n, f.id, dtype=np.int32),
            ipid=None if base.ipid is None else np.zeros(n, np.uint16)))
        next_key += n
    return extra


def _trigger_tuples(scenario, fault, router, bug_inst, rng):
    """``fault.flows`` distinct 5-tuples inside the bug's match whose path
    crosses the bug NF (fewer if the match holds fewer)."""
    for k, s in enumerate(scenario.sources):
        cand = fault.match.sample(rng, 4096)
        path, _ = router.route(*cand, np.full(4096, k))
        ok = np.flatnonzero((path == bug_inst).any(axis=1))
        if ok.size:
            key = np.stack([c[ok].astype(np.int64) for c in cand], axis=1)
            _, first = np.unique(key, axis=0, return_index=True)
            pick = rng.permutation(ok[first])[:max(1, fault.flows)]
            return tuple(c[pick] for c in cand), k
    raise faults_mod.ScenarioError('faults[%d].match' % fault.id,
                                   'no flow in the match reaches %s' % fault.nf)


def service_times(scenario, inst, key, idx, bug_mask, bug_rate):
    """Per-packet service time (ns): 1/peak rate times a log-normal jitter
    with mean 1 keyed by (packet, NF), or 1/bug rate for bug flows."""
    base = 1e9 / inst.peak_rate_pps
    s = inst.jitter
    if s > 0:
        u1 = np.maximum(uniform(key, 1000 + 2 * idx), 1e-12)
        u2 = uniform(key, 1001 + 2 * idx)
        z = np.sqrt(-2.0 * np.log(u1)) * np.cos(2 * np.pi * u2)
        svc = base * np.exp(s * z - 0.5 * s * s)
    else:
        svc = np.full(len(key), base)
    if bug_mask is not None:
        svc = np.where(bug_mask, 1e9 / bug_rate, svc)
    return svc


def simulate(scenario, traffic, faults, router, natural, with_faults=True):
    """Run every NF's poll loop in topological order."""
    path, port = router.route(traffic.src, traffic.dst, traffic.sport,
                              traffic.dport, traffic.proto, traffic.source)
    n, H = path.shape
    arr = np.full((n, H), np.nan)
    read = np.full((n, H), np.nan)
    dep = np.full((n, H), np.nan)
    order = scenario.topology().topo_order()
    inst_names = [i.name for i in scenario.instances]
    flat = path.ravel()
    by_nf = np.argsort(flat, kind='stable')
    bounds = np.searchsorted(flat[by_nf], np.arange(len(inst_names) + 1))
    nf_out, stalls = {}, {}
    for name in order:
        if name not in router.inst_index:
            continue
        idx = router.inst_index[name]
        inst = scenario.instances[idx]
        cells = by_nf[bounds[idx]:bounds[idx + 1]]
        rows, hops = cells // H, cells % H
        prev = np.where(hops == 0, traffic.t_ns[rows],
                        dep[rows, np.maximum(hops - 1, 0)])
        alive = ~np.isnan(prev)
        rows, hops, prev = rows[alive], hops[alive], prev[alive]
        a = prev + scenario.link_delay_ns
        o = np.lexsort((rows, a))
        rows, hops, a = rows[o], hops[o], a[o]
        bug_mask, bug_rate = None, 0.0
        intr = [(np.zeros(0), np.zeros(0))]
        for f in faults if with_faults else ():
            if f.kind == 'interrupt' and f.nf == name:
                intr.append((np.array([f.at_ns]), np.array([f.at_ns + f.duration_ns])))
            if f.kind == 'bug' and f.nf == name:
                m = f.match.mask(traffic.src[rows], traffic.dst[rows],
                                 traffic.sport[rows], traffic.dport[rows],
                                 traffic.proto[rows])
                bug_mask = m if bug_mask is None else bug_mask | m
                bug_rate = f.slow_rate_pps
        st, en = nfsim.merge_stalls(natural[name], *intr)
        stalls[name] = (st, en)
        svc = service_times(scenario, inst, traffic.key[rows], idx, bug_mask,
                            bug_rate)
        r, d, b, rx_t, rx_n = nfsim.poll_loop(a, svc, st, en,
                                              scenario.queue_capacity,
                                              scenario.max_burst,
                                              scenario.poll_ns)
        arr[rows, hops] = a
        read[rows, hops] = r
        dep[rows, hops] = d
        kept = b >= 0
        tx_t = np.zeros(len(rx_t))
        tx_t[b[kept]] = d[kept]
        nf_out[name] = NFBursts(rx_seq=rows[kept], rx_t=rx_t, rx_n=rx_n,
                                tx_t=tx_t, hop=hops[kept],
                                dropped=int((~kept).sum()))
    assert set(nf_out) == set(inst_names)
    return path, port, arr, read, dep, nf_out, stalls


def emulate(scenario, with_faults=True, progress=None):
    """Emulate ``scenario``; returns an :class:`Emulation`.

    ``progress(step, detail)`` is called between stages for long runs.
    """
    say = progress or (lambda *a: None)
    rng = np.random.default_rng(scenario.seed)
    router = Router(scenario)
    say('traffic', 'generating')
    base = build_traffic(scenario, rng)
    faults = faults_mod.parse_faults(scenario) if with_faults else []
    natural = faults_mod.natural_stalls(
        scenario.noise, [i.name for i in scenario.instances],
        scenario.duration_s * 1e9, np.random.default_rng([scenario.seed, 11]))
    fault_rng = np.random.default_rng([scenario.seed, 13])
    extra = _inject(scenario, base, faults, router, fault_rng)
    traffic = traffic_mod.Traffic.concat([base] + extra).sorted() if extra else base
    traffic.ipid = traffic_mod.assign_ipids(traffic, np.random.default_rng(
        [scenario.seed, 17]))
    say('simulate', '%d packets, %d faults' % (len(traffic), len(faults)))
    path, port, arr, read, dep, nf_out, stalls = simulate(
        scenario, traffic, faults, router, natural, with_faults)
    return Emulation(scenario=scenario, traffic=traffic, faults=faults,
                     path=path, port=port, arr=arr, read=read, dep=dep,
                     nf=nf_out, stalls=stalls, natural_stalls=natural)
