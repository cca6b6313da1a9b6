"""Compiled loops (numba) on the fields' virtual trees: a tree's parents
and depths, lowest common ancestors, the closure of a record set, the
deepest node holding a value, and the enumeration of the closed heavy
clusters (step 3 of :mod:`microscope_plugin.aggregation.hhh`).

Kept apart from the numpy code so that numba's on-disk cache survives
edits there.  numba invalidates a cached kernel only when its own file
changes, so kernels that call each other stay in one file: ``lca`` is
here with ``enumerate_closed`` and ``closure_ids``."""
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
