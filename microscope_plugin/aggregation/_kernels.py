"""Compiled loops of the aggregation (numba): the sequential parts only
(tree building, closed-cluster enumeration, score compression and the
pair search).  Kept apart from the numpy code so that numba's on-disk
cache survives edits there."""
import numba
import numpy as np


@numba.njit(cache=True)
def tree_parents(tout):
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
def lca(parent, tout, a, b):
    # a <= b are pre-order ids of one field's virtual tree
    x = a
    while tout[x] < b:
        x = parent[x]
    return x


@numba.njit(cache=True)
def enumerate_closed(R, W, pstart, thr, parent, tout, max_clusters):
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
            Q[d] = lca(parent[d], tout[d], mn, mx)
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
                            q = lca(parent[d], tout[d], mn, mx)
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
def compress(nodes, cpart, isroot, moff, mem, W, tout, depth, thr, force_root):
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


@numba.njit(cache=True)
def contain_matrix(tlo, thi, clo, chi):
    """B[i, c]: node tuple i lies inside cluster c (every field)."""
    n, D = tlo.shape
    m = clo.shape[0]
    out = np.zeros((n, m), np.bool_)
    for i in range(n):
        for c in range(m):
            ok = True
            for d in range(D):
                if tlo[i, d] < clo[c, d] or thi[i, d] > chi[c, d]:
                    ok = False
                    break
            out[i, c] = ok
    return out


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
def compress_pairs(pc, pv, dsum, moff, mem, W, subC, subV, thr):
    """The overlap-rule compression over candidate pairs (pc[k], pv[k]);
    subC[x, y]: side cluster x lies inside side cluster y."""
    K = pc.shape[0]
    M = W.shape[0]
    order = np.argsort(-dsum, kind='mergesort')
    stamp = np.full(M, -1, np.int64)
    rep = np.empty(K, np.int64)
    nrep = 0
    score = np.zeros(K, np.float64)
    reported = np.zeros(K, np.bool_)
    ucap = max(M, 16)
    u_k = np.empty(ucap, np.int64)
    u_r = np.empty(ucap, np.int64)
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
            r = mem[q]
            if stamp[r] != k:
                res += W[r]
        score[k] = res
        if res > 0.0 and res >= thr:
            reported[k] = True
            rep[nrep] = k
            nrep += 1
            for q in range(moff[k], moff[k + 1]):
                r = mem[q]
                if stamp[r] != k:
                    if nu >= ucap:
                        ucap *= 2
                        u_k = np.concatenate((u_k[:nu], np.empty(ucap - nu, np.int64)))
                        u_r = np.concatenate((u_r[:nu], np.empty(ucap - nu, np.int64)))
                    u_k[nu] = k
                    u_r[nu] = r
                    nu += 1
    # attribution: split each record over its minimal reported pairs
    ncov = np.zeros(M, np.float64)
    for t in range(nu):
        ncov[u_r[t]] += 1.0
    attributed = np.zeros(K, np.float64)
    for t in range(nu):
        attributed[u_k[t]] += W[u_r[t]] / ncov[u_r[t]]
    return reported, score, attributed


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
def closure_ids(R, rows, parent, tout):
    """Per field, the lowest common ancestor of R[rows, d]."""
    D = R.shape[1]
    out = np.empty(D, np.int32)
    for d in range(D):
        mn = R[rows[0], d]
        mx = mn
        for t in range(1, rows.shape[0]):
            v = R[rows[t], d]
            if v < mn:
                mn = v
            if v > mx:
                mx = v
        out[d] = lca(parent[d], tout[d], mn, mx)
    return out


@numba.njit(cache=True)
def deepest_containing(lo, hi, parent, values):
    """Pre-order id of the deepest tree node containing each value, or
    -1 (nodes sorted by lo, larger first; parent of the root is itself)."""
    n = values.shape[0]
    out = np.empty(n, np.int64)
    for i in range(n):
        v = values[i]
        # last node with lo <= v
        a = 0
        b = lo.shape[0]
        while a < b:
            m = (a + b) // 2
            if lo[m] <= v:
                a = m + 1
            else:
                b = m
        x = a - 1
        if x < 0:
            out[i] = -1
            continue
        while hi[x] < v:
            if x == 0:
                x = -1
                break
            x = parent[x]
        out[i] = x
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
