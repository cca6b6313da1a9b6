"""Brute-force references of the aggregation definitions (docs/aggregation.md),
for small inputs only: every cluster of the lattice is listed."""
import itertools

import numpy as np

from microscope_plugin.aggregation.hhh_types import REL_TOL


def field_nodes(h, values):
    """Every node of hierarchy h above the given points, as (lo, hi)."""
    out = set()
    for k in range(h.levels):
        lo, hi = h.node_at(np.asarray(values, dtype=np.int64), k)
        out.update(zip(lo.tolist(), hi.tolist()))
    return sorted(out)


def depth(h, node):
    return int(h.level_of(np.array([node[0]]), np.array([node[1]]))[0])


def brute_hhh(hiers, points, w, thr, candidates=None):
    """Compressed HHH with the overlap rule over every cluster (or over the
    given candidate clusters).  Returns {(lo tuple, hi tuple): (score, total)}."""
    points = np.asarray(points, dtype=np.int64)
    w = np.asarray(w, dtype=np.float64)
    D = len(hiers)
    if candidates is None:
        per = [field_nodes(h, points[:, d]) for d, h in enumerate(hiers)]
        candidates = list(itertools.product(*per))
    inside = {}
    for X in candidates:
        m = np.ones(len(w), dtype=bool)
        for d in range(D):
            m &= (points[:, d] >= X[d][0]) & (points[:, d] <= X[d][1])
        if w[m].sum() > 0:
            inside[X] = m
    order = sorted(inside, key=lambda X: -sum(depth(h, X[d]) for d, h in enumerate(hiers)))
    reported = {}
    t = thr * (1 - REL_TOL)
    for X in order:
        covered = np.zeros(len(w), dtype=bool)
        for Y in reported:
            if Y != X and all(X[d][0] <= Y[d][0] and Y[d][1] <= X[d][1] for d in range(D)):
                covered |= inside[Y]
        score = w[inside[X] & ~covered].sum()
        if score > 0 and score >= t:
            reported[X] = (float(score), float(w[inside[X]].sum()))
    return {(tuple(a for a, _ in X), tuple(b for _, b in X)): v
            for X, v in reported.items()}


def closure(hiers, points):
    out = []
    for d, h in enumerate(hiers):
        lo, hi = h.smallest_containing(np.array([points[:, d].min()]),
                                       np.array([points[:, d].max()]))
        out.append((int(lo[0]), int(hi[0])))
    return tuple(out)


def brute_pairs(hiers, points, w, thr, split):
    """The restricted pair lattice: halves from each side's report (plus
    the side's root), then the overlap-rule compression over the pairs."""
    points = np.asarray(points, dtype=np.int64)
    halves = []
    for sl in (slice(0, split), slice(split, len(hiers))):
        hs = hiers[sl]
        rep = brute_hhh(hs, points[:, sl], w, thr)
        nodes = [tuple(zip(lo, hi)) for lo, hi in rep]
        root = closure(hs, points[:, sl])
        if root not in nodes:
            nodes.append(root)
        halves.append(nodes)
    cands = [c + v for c in halves[0] for v in halves[1]]
    return brute_hhh(hiers, points, w, thr, candidates=cands)


def as_dict(res):
    return {(tuple(int(x) for x in lo), tuple(int(x) for x in hi)): (float(s), float(t))
            for lo, hi, s, t in zip(res.lo, res.hi, res.score, res.total)}
