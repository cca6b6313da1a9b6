"""Compressed multi-dimensional hierarchical heavy hitters (AutoFocus, §4.4).

The exact definition is in docs/aggregation.md; in short, for records with
weights, D hierarchical fields and a threshold ``thr`` (absolute):

* a *cluster* X is one node per field; ``T(X)`` is the weight of the
  records inside X in every field;
* clusters are decided from the most specific to the least specific
  (decreasing sum of node depths, so every descendant of X is decided
  before X);
* the *score* of X is the weight of the records in X that lie in no
  already-reported cluster that is a strict descendant of X (the overlap
  rule of multi-dimensional HHH: a record inside two incomparable reported
  clusters counts for both);
* X is reported when its score is > 0 and >= ``thr``.

Records may carry a partition (the culprit group of the first step of
§4.4): clusters never span partitions and each partition has its own
threshold.

How it is computed exactly, without enumerating the whole lattice:

1. 1-D reduction (AutoFocus): in each field, replace every value by its
   most specific ancestor whose 1-D weight reaches ``thr``.  Every field of
   a cluster that can reach ``thr`` is such a node, so this changes no
   candidate's records; identical reduced records are merged.
2. Per field, the *virtual tree* of the reduced values (the values plus
   the lowest common ancestors of neighbours in pre-order) holds every
   node that is the lowest common ancestor of some set of values.
3. Only *closed* clusters — X equal to the per-field lowest common
   ancestors of its own records — can be reported: a non-closed X has the
   same records as its closure, which is more specific, decided first, and
   whose reported descendants X inherits.  Closed clusters with
   ``T(X) >= thr`` are enumerated once each by prefix-preserving closure
   extension (as in LCM for closed itemsets, with a field's nodes ordered
   by depth), compiled with numba.
4. Scores are computed in the order above with a per-record stamp of the
   reported strict descendants.
"""
import dataclasses

import numba
import numpy as np

#: Relative tolerance on threshold comparisons (sums of floats).
REL_TOL = 1e-9


class TooManyClusters(ValueError):
    """The candidate set exceeded ``max_clusters``; raise the threshold."""


@dataclasses.dataclass
class HHHResult:
    """Reported clusters (one row each) and bookkeeping.

    ``lo``/``hi``: (R, D) node intervals per field.  ``score``: weight not
    in reported strict descendants (the overlap rule).  ``total``: T(X).
    ``attributed``: the records' weight split over their minimal reported
    clusters (sums to the weight covered by any reported cluster).
    """

    lo: np.ndarray
    hi: np.ndarray
    score: np.ndarray
    total: np.ndarray
    attributed: np.ndarray
    part: np.ndarray
    n_records: int = 0      # reduced, merged records
    n_candidates: int = 0   # closed clusters with T(X) >= threshold

    def __len__(self):
        return len(self.score)

    @classmethod
    def empty(cls, D):
        z = np.zeros((0, D), dtype=np.int64)
        f = np.zeros(0, dtype=np.float64)
        return cls(z, z.copy(), f, f.copy(), f.copy(), np.zeros(0, np.int64))


# ---------------------------------------------------------------- compiled

@numba.njit(cache=True)
def _tree_parents(tout):
    n = tout.shape[0]
    parent = np.zeros(n, np.int32)
    depth = np.zeros(n, np.int32)
    stack = np.empty(n, np.int64)
    sp = 1
    stack[0] = 0
    for i in range(1, n):
        while tout[stack[sp - 1]] < i:
            sp -= 1
        p = stack[sp - 1]
        parent[i] = p
        depth[i] = depth[p] + 1
        stack[sp] = i
        sp += 1
    return parent, depth


@numba.njit(cache=True, inline='always')
def _lca(parent, tout, a, b):
    # a <= b are pre-order ids of one field's virtual tree
    x = a
    while tout[x] < b:
        x = parent[x]
    return x


@numba.njit(cache=True)
def _enumerate(R, W, pstart, thr, parent, tout, max_clusters):
    """Closed clusters with weight >= thr[p] of every partition p, each
    once (prefix-preserving closure extension).  Returns nodes, weights,
    partitions, is-root flags, member offsets and members, and K (or -1
    when max_clusters was exceeded)."""
    M, D = R.shape
    P = pstart.shape[0] - 1
    cap = 1024
    nodes = np.empty((cap, D), np.int32)
    wsum = np.empty(cap, np.float64)
    cpart = np.empty(cap, np.int64)
    core = np.empty(cap, np.int64)
    isroot = np.zeros(cap, np.bool_)
    moff = np.zeros(cap + 1, np.int64)
    mcap = max(4 * M, 4096)
    mem = np.empty(mcap, np.int32)
    K = 0
    scap = 1024
    stack = np.empty(scap, np.int64)
    keys = np.empty(max(M, 1), np.int64)
    idx = np.empty(max(M, 1), np.int32)
    Q = np.empty(D, np.int32)
    for p in range(P):
        s = pstart[p]
        e = pstart[p + 1]
        if e <= s:
            continue
        tot = 0.0
        for r in range(s, e):
            tot += W[r]
        th = thr[p]
        if tot <= 0.0 or tot < th:
            continue
        for d in range(D):
            mn = R[s, d]
            mx = mn
            for r in range(s + 1, e):
                v = R[r, d]
                if v < mn:
                    mn = v
                if v > mx:
                    mx = v
            Q[d] = _lca(parent[d], tout[d], mn, mx)
        # emit the partition's root (closure of all its records)
        if K + 1 >= cap:
            cap *= 2
            nodes2 = np.empty((cap, D), np.int32)
            nodes2[:K] = nodes[:K]
            nodes = nodes2
            wsum = np.concatenate((wsum[:K], np.empty(cap - K, np.float64)))
            cpart = np.concatenate((cpart[:K], np.empty(cap - K, np.int64)))
            core = np.concatenate((core[:K], np.empty(cap - K, np.int64)))
            isroot = np.concatenate((isroot[:K], np.zeros(cap - K, np.bool_)))
            moff = np.concatenate((moff[:K + 1], np.zeros(cap - K, np.int64)))
        need = moff[K] + (e - s)
        if need > mcap:
            while need > mcap:
                mcap *= 2
            mem = np.concatenate((mem[:moff[K]], np.empty(mcap - moff[K], np.int32)))
        for r in range(s, e):
            mem[moff[K] + r - s] = r
        nodes[K] = Q
        wsum[K] = tot
        cpart[K] = p
        core[K] = 0
        isroot[K] = True
        moff[K + 1] = need
        K += 1
        sp = 0
        stack[sp] = K - 1
        sp += 1
        while sp > 0:
            sp -= 1
            c = stack[sp]
            S = mem[moff[c]:moff[c + 1]].copy()
            n = S.shape[0]
            X = nodes[c].copy()
            for j in range(core[c], D):
                xj = X[j]
                pj = parent[j]
                cnt = 0
                for t in range(n):
                    r = S[t]
                    v = R[r, j]
                    if v != xj:
                        while pj[v] != xj:
                            v = pj[v]
                        keys[cnt] = v
                        idx[cnt] = r
                        cnt += 1
                if cnt == 0:
                    continue
                order = np.argsort(keys[:cnt])
                i = 0
                while i < cnt:
                    k = keys[order[i]]
                    jj = i
                    ws = 0.0
                    while jj < cnt and keys[order[jj]] == k:
                        ws += W[idx[order[jj]]]
                        jj += 1
                    if ws > 0.0 and ws >= th:
                        ok = True
                        for d in range(D):
                            mn = R[idx[order[i]], d]
                            mx = mn
                            for t in range(i + 1, jj):
                                v = R[idx[order[t]], d]
                                if v < mn:
                                    mn = v
                                if v > mx:
                                    mx = v
                            q = _lca(parent[d], tout[d], mn, mx)
                            if d < j and q != X[d]:
                                ok = False
                                break
                            Q[d] = q
                        if ok:
                            if K >= max_clusters:
                                return (nodes[:K], wsum[:K], cpart[:K], isroot[:K],
                                        moff[:K + 1], mem[:moff[K]], -1)
                            if K + 1 >= cap:
                                cap *= 2
                                nodes2 = np.empty((cap, D), np.int32)
                                nodes2[:K] = nodes[:K]
                                nodes = nodes2
                                wsum = np.concatenate((wsum[:K], np.empty(cap - K, np.float64)))
                                cpart = np.concatenate((cpart[:K], np.empty(cap - K, np.int64)))
                                core = np.concatenate((core[:K], np.empty(cap - K, np.int64)))
                                isroot = np.concatenate((isroot[:K], np.zeros(cap - K, np.bool_)))
                                moff = np.concatenate((moff[:K + 1], np.zeros(cap - K, np.int64)))
                            need = moff[K] + (jj - i)
                            if need > mcap:
                                while need > mcap:
                                    mcap *= 2
                                mem = np.concatenate((mem[:moff[K]],
                                                      np.empty(mcap - moff[K], np.int32)))
                            base = moff[K]
                            for t in range(i, jj):
                                mem[base + t - i] = idx[order[t]]
                            nodes[K] = Q
                            wsum[K] = ws
                            cpart[K] = p
                            core[K] = j
                            isroot[K] = False
                            moff[K + 1] = need
                            K += 1
                            if sp >= scap:
                                scap *= 2
                                stack = np.concatenate((stack, np.empty(scap - sp, np.int64)))
                            stack[sp] = K - 1
                            sp += 1
                    i = jj
    return (nodes[:K], wsum[:K], cpart[:K], isroot[:K], moff[:K + 1],
            mem[:moff[K]], K)


@numba.njit(cache=True)
def _compress(nodes, cpart, isroot, moff, mem, W, tout, depth, thr, force_root):
    """Scores in specific-to-general order; returns reported flags,
    scores and attributed weights."""
    K, D = nodes.shape
    M = W.shape[0]
    dsum = np.zeros(K, np.int64)
    maxd = 0
    for c in range(K):
        s = 0
        for d in range(D):
            s += depth[d, nodes[c, d]]
        dsum[c] = s
        if s > maxd:
            maxd = s
    key = cpart * (maxd + 1) + (maxd - dsum)
    order = np.argsort(key, kind='mergesort')
    stamp = np.full(M, -1, np.int64)
    rep = np.empty(K, np.int64)
    nrep = 0
    rep_start = 0
    score = np.zeros(K, np.float64)
    reported = np.zeros(K, np.bool_)
    ucap = max(M, 16)
    u_c = np.empty(ucap, np.int64)
    u_r = np.empty(ucap, np.int64)
    nu = 0
    cur = -1
    for oi in range(K):
        c = order[oi]
        p = cpart[c]
        if p != cur:
            cur = p
            rep_start = nrep
        for t in range(rep_start, nrep):
            y = rep[t]
            desc = True
            for d in range(D):
                xd = nodes[c, d]
                yd = nodes[y, d]
                if yd < xd or yd > tout[d, xd]:
                    desc = False
                    break
            if desc:
                for q in range(moff[y], moff[y + 1]):
                    stamp[mem[q]] = c
        res = 0.0
        for q in range(moff[c], moff[c + 1]):
            r = mem[q]
            if stamp[r] != c:
                res += W[r]
        score[c] = res
        if res > 0.0 and (res >= thr[p] or (force_root and isroot[c])):
            reported[c] = True
            rep[nrep] = c
            nrep += 1
            for q in range(moff[c], moff[c + 1]):
                r = mem[q]
                if stamp[r] != c:
                    if nu >= ucap:
                        ucap *= 2
                        u_c = np.concatenate((u_c[:nu], np.empty(ucap - nu, np.int64)))
                        u_r = np.concatenate((u_r[:nu], np.empty(ucap - nu, np.int64)))
                    u_c[nu] = c
                    u_r[nu] = r
                    nu += 1
    ncov = np.zeros(M, np.float64)
    for t in range(nu):
        ncov[u_r[t]] += 1.0
    attributed = np.zeros(K, np.float64)
    for t in range(nu):
        attributed[u_c[t]] += W[u_r[t]] / ncov[u_r[t]]
    return reported, score, attributed


# ---------------------------------------------------------------- numpy side

def _reduce_field(h, lo, hi, w, part, thr_part):
    """Most specific ancestor with 1-D weight >= its partition's threshold,
    per row (AutoFocus's unidimensional step)."""
    n = lo.shape[0]
    key = h.key(lo, hi)
    order = np.lexsort((key, part))
    ps = part[order]
    ks = key[order]
    new = np.ones(n, dtype=bool)
    new[1:] = (ps[1:] != ps[:-1]) | (ks[1:] != ks[:-1])
    first = np.flatnonzero(new)
    item = np.cumsum(new) - 1
    ip = ps[first]
    iw = np.add.reduceat(w[order], first)
    ilo, ihi = h.unkey(ks[first])
    ilev = h.level_of(ilo, ihi)
    msha = np.zeros(first.size, dtype=np.int64)
    for k in range(h.levels):
        sel = np.flatnonzero(ilev >= k)
        if sel.size == 0:
            break
        alo = h.node_at(ilo[sel], k)[0]
        sp = ip[sel]
        b = np.ones(sel.size, dtype=bool)
        b[1:] = (sp[1:] != sp[:-1]) | (alo[1:] != alo[:-1])
        st = np.flatnonzero(b)
        sw = np.add.reduceat(iw[sel], st)
        hv = (sw >= thr_part[sp[st]]) & (sw > 0)
        upd = hv[np.cumsum(b) - 1]
        msha[sel[upd]] = k
    rlo, rhi = h.node_at(ilo, msha)
    out_lo = np.empty(n, dtype=np.int64)
    out_hi = np.empty(n, dtype=np.int64)
    out_lo[order] = rlo[item]
    out_hi[order] = rhi[item]
    return out_lo, out_hi


def _virtual_tree(h, keys):
    """Pre-order nodes (lo, hi), tout, parent, depth of the virtual tree
    of the sorted unique node keys."""
    lo, hi = h.unkey(keys)
    if keys.size > 1:
        alo, ahi = h.smallest_containing(np.minimum(lo[:-1], lo[1:]),
                                         np.maximum(hi[:-1], hi[1:]))
        keys = np.union1d(keys, h.key(alo, ahi))
        lo, hi = h.unkey(keys)
    tout = (np.searchsorted(lo, hi, side='right') - 1).astype(np.int64)
    assert tout[0] == keys.size - 1, 'virtual tree without a single root'
    parent, depth = _tree_parents(tout)
    return keys, lo, hi, tout, parent, depth


def compressed_hhh(hiers, lo, hi, weight, part=None, thr=None, force_root=False,
                   max_clusters=5_000_000):
    """Compressed HHH of weighted records (see the module docstring).

    ``hiers``: D hierarchies.  ``lo``, ``hi``: (N, D) int64 nodes (points
    have lo == hi); ``weight``: (N,); ``part``: (N,) partition ids in
    0..P-1 (default all 0); ``thr``: (P,) absolute thresholds.
    ``force_root``: also report each partition's root cluster whenever its
    score is > 0 (so that every record is attributed somewhere).
    """
    D = len(hiers)
    lo = np.asarray(lo, dtype=np.int64).reshape(-1, D)
    hi = np.asarray(hi, dtype=np.int64).reshape(-1, D)
    w = np.asarray(weight, dtype=np.float64)
    n = w.shape[0]
    part = np.zeros(n, dtype=np.int64) if part is None else np.asarray(part, np.int64)
    thr = np.atleast_1d(np.asarray(thr, dtype=np.float64))
    keep = w > 0
    if not keep.all():
        lo, hi, w, part = lo[keep], hi[keep], w[keep], part[keep]
        n = w.shape[0]
    if n == 0:
        return HHHResult.empty(D)
    thr_eff = thr * (1 - REL_TOL)
    # canonical nodes (e.g. a port inside an adaptive range -> the range)
    clo = np.empty_like(lo)
    chi = np.empty_like(hi)
    for d, h in enumerate(hiers):
        clo[:, d], chi[:, d] = h.smallest_containing(lo[:, d], hi[:, d])
    zero = thr_eff <= 0
    if zero.all():
        rlo, rhi = clo, chi           # threshold 0: no reduction
    else:
        rlo = np.empty_like(clo)
        rhi = np.empty_like(chi)
        for d, h in enumerate(hiers):
            rlo[:, d], rhi[:, d] = _reduce_field(h, clo[:, d], chi[:, d], w, part,
                                                 np.maximum(thr_eff, 0))
    # per-field virtual trees and node ids
    trees = []
    ids = np.empty((n, D), dtype=np.int64)
    for d, h in enumerate(hiers):
        k = h.key(rlo[:, d], rhi[:, d])
        uk = np.unique(k)
        vt = _virtual_tree(h, uk)
        trees.append(vt)
        ids[:, d] = np.searchsorted(vt[0], k)
    # merge identical records, sorted by partition
    cols = np.column_stack([part, ids])
    order = np.lexsort(cols.T[::-1])
    cs = cols[order]
    new = np.ones(n, dtype=bool)
    new[1:] = np.any(cs[1:] != cs[:-1], axis=1)
    first = np.flatnonzero(new)
    R = np.ascontiguousarray(cs[first, 1:]).astype(np.int32)
    rpart = cs[first, 0]
    W = np.add.reduceat(w[order], first)
    M = R.shape[0]
    P = int(thr.shape[0])
    pstart = np.searchsorted(rpart, np.arange(P + 1)).astype(np.int64)
    maxn = max(t[0].size for t in trees)
    parent = np.zeros((D, maxn), dtype=np.int32)
    tout = np.zeros((D, maxn), dtype=np.int64)
    depth = np.zeros((D, maxn), dtype=np.int32)
    for d, t in enumerate(trees):
        m = t[0].size
        tout[d, :m] = t[3]
        parent[d, :m] = t[4]
        depth[d, :m] = t[5]
    if zero.all():
        # every distinct record is its own cluster; nothing above it scores
        nodes = R
        score = W.copy()
        total = W.copy()
        att = W.copy()
        cp = rpart
        K = M
    else:
        nodes, wsum, cpart, isroot, moff, mem, K = _enumerate(
            R, W, pstart, thr_eff, parent, tout, int(max_clusters))
        if K < 0:
            raise TooManyClusters(
                'more than %d candidate clusters; raise the threshold'
                % max_clusters)
        reported, sc, att_all = _compress(nodes, cpart, isroot, moff, mem, W, tout,
                                          depth, thr_eff, bool(force_root))
        sel = np.flatnonzero(reported)
        nodes, score, total = nodes[sel], sc[sel], wsum[sel]
        att, cp = att_all[sel], cpart[sel]
    out_lo = np.empty(nodes.shape, dtype=np.int64)
    out_hi = np.empty(nodes.shape, dtype=np.int64)
    for d, t in enumerate(trees):
        out_lo[:, d] = t[1][nodes[:, d]]
        out_hi[:, d] = t[2][nodes[:, d]]
    return HHHResult(out_lo, out_hi, score, total, att, np.asarray(cp, np.int64),
                     n_records=int(M), n_candidates=int(K))
