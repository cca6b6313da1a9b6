"""Compiled loops (numba) of the restricted pair lattice (second step of
§4.4): containment of node-id tuples in side clusters (the side atoms),
the weights and member entries of <culprit half, victim half> pairs, and
the rows and time spans of each reported pattern.

Kept apart from the numpy code so that numba's on-disk cache survives
edits there."""
import numba
import numpy as np


@numba.njit(cache=True)
def pair_weights(ea, eb, ew, ac_ptr, ac_idx, av_ptr, av_idx, nc, nv):
    pw = np.zeros((nc, nv), np.float64)
    for e in range(ea.shape[0]):
        a = ea[e]
        b = eb[e]
        for s in range(ac_ptr[a], ac_ptr[a + 1]):
            c = ac_idx[s]
            for t in range(av_ptr[b], av_ptr[b + 1]):
                pw[c, av_idx[t]] += ew[e]
    return pw


@numba.njit(cache=True)
def pair_members(ea, eb, ac_ptr, ac_idx, av_ptr, av_idx, pid):
    """Member entries of every candidate pair (pid[c, v] >= 0)."""
    K = 0
    for c in range(pid.shape[0]):
        for v in range(pid.shape[1]):
            if pid[c, v] >= 0:
                K += 1
    cnt = np.zeros(K + 1, np.int64)
    for e in range(ea.shape[0]):
        for s in range(ac_ptr[ea[e]], ac_ptr[ea[e] + 1]):
            c = ac_idx[s]
            for t in range(av_ptr[eb[e]], av_ptr[eb[e] + 1]):
                p = pid[c, av_idx[t]]
                if p >= 0:
                    cnt[p + 1] += 1
    moff = np.cumsum(cnt)
    fill = moff[:-1].copy()
    mem = np.empty(moff[-1], np.int32)
    for e in range(ea.shape[0]):
        for s in range(ac_ptr[ea[e]], ac_ptr[ea[e] + 1]):
            c = ac_idx[s]
            for t in range(av_ptr[eb[e]], av_ptr[eb[e] + 1]):
                p = pid[c, av_idx[t]]
                if p >= 0:
                    mem[fill[p]] = e
                    fill[p] += 1
    return moff, mem


@numba.njit(cache=True)
def contain_ids(T, C, tout):
    """B[i, c]: the node-id tuple T[i] lies inside cluster C[c]; ids are
    pre-order ids of each field's tree, so containment is
    ``C[c, d] <= T[i, d] <= tout[d, C[c, d]]`` in every field d."""
    n, D = T.shape
    m = C.shape[0]
    out = np.zeros((n, m), np.bool_)
    for i in range(n):
        for c in range(m):
            ok = True
            for d in range(D):
                x = C[c, d]
                t = T[i, d]
                if t < x or t > tout[d, x]:
                    ok = False
                    break
            out[i, c] = ok
    return out


@numba.njit(cache=True)
def pattern_row_stats(ea, eb, cnt, tmin1, tmax1, tmin2, tmax2, ac_ptr, ac_idx,
                      av_ptr, av_idx, pid, npat):
    """Rows per pattern and their time spans from row entries (culprit
    atom ea, victim atom eb, with row counts and time extremes); pid[c, v]
    is the pattern of candidate halves (c, v) or -1."""
    rows = np.zeros(npat, np.int64)
    span = np.zeros((npat, 4), np.int64)
    for e in range(ea.shape[0]):
        for s in range(ac_ptr[ea[e]], ac_ptr[ea[e] + 1]):
            c = ac_idx[s]
            for t in range(av_ptr[eb[e]], av_ptr[eb[e] + 1]):
                p = pid[c, av_idx[t]]
                if p < 0:
                    continue
                if rows[p] == 0:
                    span[p, 0] = tmin1[e]
                    span[p, 1] = tmax1[e]
                    span[p, 2] = tmin2[e]
                    span[p, 3] = tmax2[e]
                else:
                    span[p, 0] = min(span[p, 0], tmin1[e])
                    span[p, 1] = max(span[p, 1], tmax1[e])
                    span[p, 2] = min(span[p, 2], tmin2[e])
                    span[p, 3] = max(span[p, 3], tmax2[e])
                rows[p] += cnt[e]
    return rows, span
