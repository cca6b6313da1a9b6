"""Compiled loops (numba) of the overlap-rule score compression: the
candidates' scores in specific-to-general order, which of them are
reported, and each record's weight split over the reported clusters it
counts for — for single-side clusters and for <culprit, victim> pairs.

Kept apart from the numpy code so that numba's on-disk cache survives
edits there.  numba invalidates a cached kernel only when its own file
changes, so ``_attribute`` is here with both kernels that call it."""
import numba
import numpy as np


@numba.njit(cache=True)
def compress(nodes, cpart, isroot, moff, mem, W, tout, order, thr, force_root):
    """Scores in the given specific-to-general order (partitions
    contiguous); returns reported flags, scores and attributed weights."""
    K, D = nodes.shape
    M = W.shape[0]
    stamp = np.full(M, -1, np.int64)
    rep = np.empty(K, np.int64)
    nrep = 0
    rep_start = 0
    score = np.zeros(K, np.float64)
    reported = np.zeros(K, np.bool_)
    u_c = np.empty(mem.shape[0], np.int64)
    u_r = np.empty(mem.shape[0], np.int64)
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
            if stamp[mem[q]] != c:
                res += W[mem[q]]
        score[c] = res
        if res > 0.0 and (res >= thr[p] or (force_root and isroot[c])):
            reported[c] = True
            rep[nrep] = c
            nrep += 1
            for q in range(moff[c], moff[c + 1]):
                if stamp[mem[q]] != c:
                    u_c[nu] = c
                    u_r[nu] = mem[q]
                    nu += 1
    return reported, score, _attribute(u_c[:nu], u_r[:nu], W, K)


@numba.njit(cache=True)
def _attribute(u_c, u_r, W, K):
    """Each record's weight split evenly over the reported clusters it
    counts for (pairs u_c[i], u_r[i])."""
    ncov = np.zeros(W.shape[0], np.float64)
    for t in range(u_r.shape[0]):
        ncov[u_r[t]] += 1.0
    attributed = np.zeros(K, np.float64)
    for t in range(u_r.shape[0]):
        attributed[u_c[t]] += W[u_r[t]] / ncov[u_r[t]]
    return attributed


@numba.njit(cache=True)
def compress_pairs(pc, pv, order, moff, mem, W, subC, subV, thr):
    """The overlap-rule compression over candidate pairs (pc[k], pv[k])
    in the given specific-to-general order; subC[x, y]: side cluster x
    lies inside side cluster y."""
    K = pc.shape[0]
    M = W.shape[0]
    stamp = np.full(M, -1, np.int64)
    rep = np.empty(K, np.int64)
    nrep = 0
    score = np.zeros(K, np.float64)
    reported = np.zeros(K, np.bool_)
    u_k = np.empty(mem.shape[0], np.int64)
    u_r = np.empty(mem.shape[0], np.int64)
    nu = 0
    for oi in range(K):
        k = order[oi]
        c = pc[k]
        v = pv[k]
        for t in range(nrep):
            y = rep[t]
            if subC[pc[y], c] and subV[pv[y], v]:
                for q in range(moff[y], moff[y + 1]):
                    stamp[mem[q]] = k
        res = 0.0
        for q in range(moff[k], moff[k + 1]):
            if stamp[mem[q]] != k:
                res += W[mem[q]]
        score[k] = res
        if res > 0.0 and res >= thr:
            reported[k] = True
            rep[nrep] = k
            nrep += 1
            for q in range(moff[k], moff[k + 1]):
                if stamp[mem[q]] != k:
                    u_k[nu] = k
                    u_r[nu] = mem[q]
                    nu += 1
    return reported, score, _attribute(u_k[:nu], u_r[:nu], W, K)
