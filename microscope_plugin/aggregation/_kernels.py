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


@numba.njit(cache=True)
def lca(parent, tout, a, b):
    # a <= b are pre-order ids of one field's virtual tree
    x = a
    while tout[x] < b:
        x = parent[x]
    return x


@numba.njit(cache=True)
def enumerate_closed(R, W, pstart, thr, parent, tout, nodes, wsum, cpart, core,
                     isroot, moff, mem):
    """Closed clusters with weight >= thr[p] of every partition p, each
    once (prefix-preserving closure extension, depth first), written into
    the given buffers.  Returns the count K, or -1 when ``nodes`` and -2
    when ``mem`` (the members) ran out of room."""
    M, D = R.shape
    P = pstart.shape[0] - 1
    cap = nodes.shape[0]
    mcap = mem.shape[0]
    K = 0
    stack = np.empty(cap, np.int64)
    m1 = max(M, 1)
    keys = np.empty(m1, np.int64)
    idx = np.empty(m1, np.int32)
    grouped = np.empty(m1, np.int32)
    touched = np.empty(m1, np.int64)
    cnt = np.zeros(parent.shape[1], np.int64)
    pos = np.zeros(parent.shape[1], np.int64)
    Q = np.empty(D, np.int32)
    moff[0] = 0
    for p in range(P):
        s = pstart[p]
        e = pstart[p + 1]
        tot = 0.0
        for r in range(s, e):
            tot += W[r]
        th = thr[p]
        if e <= s or tot <= 0.0 or tot < th:
            continue
        # the partition's root: the closure of all its records
        if K >= cap:
            return -1
        if moff[K] + (e - s) > mcap:
            return -2
        for d in range(D):
            mn = R[s, d]
            mx = mn
            for r in range(s + 1, e):
                mn = min(mn, R[r, d])
                mx = max(mx, R[r, d])
            nodes[K, d] = lca(parent[d], tout[d], mn, mx)
        for r in range(s, e):
            mem[moff[K] + r - s] = r
        wsum[K] = tot
        cpart[K] = p
        core[K] = 0
        isroot[K] = True
        moff[K + 1] = moff[K] + (e - s)
        stack[0] = K
        sp = 1
        K += 1
        while sp > 0:
            sp -= 1
            c = stack[sp]
            for j in range(core[c], D):
                xj = nodes[c, j]
                pj = parent[j]
                nk = 0
                nt = 0
                for t in range(moff[c], moff[c + 1]):
                    r = mem[t]
                    v = R[r, j]
                    if v != xj:
                        while pj[v] != xj:      # the child of xj on v's path
                            v = pj[v]
                        keys[nk] = v
                        idx[nk] = r
                        nk += 1
                        if cnt[v] == 0:
                            touched[nt] = v
                            nt += 1
                        cnt[v] += 1
                if nk == 0:
                    continue
                # group the records by child (counting sort)
                acc = 0
                for u in range(nt):
                    pos[touched[u]] = acc
                    acc += cnt[touched[u]]
                for t in range(nk):
                    grouped[pos[keys[t]]] = idx[t]
                    pos[keys[t]] += 1
                for u in range(nt):
                    k = touched[u]
                    last = pos[k]
                    first = last - cnt[k]
                    cnt[k] = 0
                    ws = 0.0
                    for t in range(first, last):
                        ws += W[grouped[t]]
                    if ws <= 0.0 or ws < th:
                        continue
                    ok = True
                    for d in range(D):
                        mn = R[grouped[first], d]
                        mx = mn
                        for t in range(first + 1, last):
                            mn = min(mn, R[grouped[t], d])
                            mx = max(mx, R[grouped[t], d])
                        q = lca(parent[d], tout[d], mn, mx)
                        if d < j and q != nodes[c, d]:
                            ok = False          # not prefix-preserving
                            break
                        Q[d] = q
                    if not ok:
                        continue
                    if K >= cap:
                        return -1
                    if moff[K] + (last - first) > mcap:
                        return -2
                    for t in range(first, last):
                        mem[moff[K] + t - first] = grouped[t]
                    nodes[K] = Q
                    wsum[K] = ws
                    cpart[K] = p
                    core[K] = j
                    isroot[K] = False
                    moff[K + 1] = moff[K] + (last - first)
                    stack[sp] = K
                    sp += 1
                    K += 1
    return K


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


@numba.njit(cache=True)
def hash_factorize(keys):
    """Dense ids of int64 keys in order of first appearance (open
    addressing): ``(inverse, index of each id's first occurrence)``."""
    n = keys.shape[0]
    size = 2
    bits = 1
    while size < 2 * n + 2:
        size *= 2
        bits += 1
    mask = size - 1
    shift = np.uint64(64 - bits)            # the top bits of the product
    slot_key = np.empty(size, np.int64)
    slot_id = np.full(size, -1, np.int64)
    inv = np.empty(n, np.int64)
    first = np.empty(n, np.int64)
    k = 0
    for i in range(n):
        x = keys[i]
        h = (np.uint64(x) * np.uint64(0x9E3779B97F4A7C15)) >> shift
        s = np.int64(h & np.uint64(mask))
        while True:
            sid = slot_id[s]
            if sid < 0:
                slot_id[s] = k
                slot_key[s] = x
                first[k] = i
                inv[i] = k
                k += 1
                break
            if slot_key[s] == x:
                inv[i] = sid
                break
            s = (s + 1) & mask
    return inv, first[:k]
