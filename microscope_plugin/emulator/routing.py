"""Flow-level routing through the stages: flow-hash load balancing inside a
stage, first-match rule branches between stages (§6.1, Fig. 10)."""
import numpy as np

M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def mix64(x):
    """splitmix64 finaliser, vectorised over uint64 arrays."""
    x = np.asarray(x, dtype=np.uint64).copy()
    with np.errstate(over='ignore'):
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


def flow_hash(src, dst, sport, dport, proto, salt):
    with np.errstate(over='ignore'):
        h = mix64(np.asarray(src, dtype=np.uint64) << np.uint64(32)
                  | np.asarray(dst, dtype=np.uint64))
        h = mix64(h ^ (np.asarray(sport, dtype=np.uint64) << np.uint64(24)
                       | np.asarray(dport, dtype=np.uint64) << np.uint64(8)
                       | np.asarray(proto, dtype=np.uint64)))
        return mix64(h + np.uint64(salt))


def uniform(key, salt):
    """Deterministic U(0,1) per (key, salt): the same packet gets the same
    draw in the faulty run and in its counterfactual."""
    with np.errstate(over='ignore'):
        h = mix64(np.asarray(key, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
                  + np.uint64(salt))
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)


class Router:
    """Paths of flows as instance indices, plus the tx port at each hop."""

    def __init__(self, scenario):
        self.sc = scenario
        self.inst_index = {i.name: k for k, i in enumerate(scenario.instances)}
        self.stage_index = {s.name: k for k, s in enumerate(scenario.stages)}
        self.stage_insts = [np.array([self.inst_index[n] for n in s.instances])
                            for s in scenario.stages]
        self.targets = []
        for s in scenario.stages:
            t = []
            for r in s.next:
                if r.to not in t:
                    t.append(r.to)
            self.targets.append(t)
        self.max_hops = self._longest()

    def _longest(self):
        memo = {}

        def depth(k):
            if k not in memo:
                memo[k] = 1 + max([depth(self.stage_index[t])
                                   for t in self.targets[k]] or [0])
            return memo[k]
        return max(depth(self.stage_index[s.to]) for s in self.sc.sources)

    def route(self, src, dst, sport, dport, proto, source):
        """Return ``(path, port)``: ``(n, max_hops)`` int16 instance index
        (-1 past the end) and int8 tx port used at each hop."""
        n = len(src)
        H = self.max_hops
        path = np.full((n, H), -1, dtype=np.int16)
        port = np.full((n, H), -1, dtype=np.int8)
        stage = np.array([self.stage_index[s.to] for s in self.sc.sources],
                         dtype=np.int64)[np.asarray(source, dtype=np.int64)]
        for h in range(H):
            nxt = np.full(n, -1, dtype=np.int64)
            for k, st in enumerate(self.sc.stages):
                sel = np.flatnonzero(stage == k)
                if sel.size == 0:
                    continue
                insts = self.stage_insts[k]
                hv = flow_hash(src[sel], dst[sel], sport[sel], dport[sel],
                               proto[sel], 0x5151 + 97 * k)
                path[sel, h] = insts[(hv % np.uint64(len(insts))).astype(np.int64)]
                todo = np.ones(sel.size, dtype=bool)
                port[sel, h] = 0
                for r in st.next:
                    m = todo.copy()
                    if r.match is not None:
                        m &= r.match.mask(src[sel], dst[sel], sport[sel],
                                          dport[sel], proto[sel])
                    nxt[sel[m]] = self.stage_index[r.to]
                    port[sel[m], h] = self.targets[k].index(r.to)
                    todo &= ~m
            stage = nxt
            if (stage < 0).all():
                break
        return path, port
