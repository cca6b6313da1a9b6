"""NetMedic's inference (Kandula et al., SIGCOMM 2009, §5), on arrays.

Components carry a state: a vector of variables per time window.  The
steps, each a function here:

* **abnormality** of a variable in a window: ``A(v) = erf(|v - mu| /
  (sigma * sqrt 2))`` with ``mu``, ``sigma`` over the variable's history
  (every other window); ``sigma = 0`` gives 0 if ``v == mu`` else 1.  A
  component's abnormality is the largest of its variables'.
* **edge weight** S -> D in the current window ``t``: 0.1 (``low``) if S
  or D is normal (abnormality below 0.8).  Otherwise the history is cut
  into K chunks; in each, the window ``t_k`` where S's state was closest
  to its state now; with ``d`` the normalised state difference (mean over
  the variables of ``|a - b| / range``), ``w_k = 1 - d_S(t_k, t)`` when
  ``d_S <= delta`` (1/3) and 0 otherwise, and the weight is
  ``sum_k (1 - d_D(t_k, t)) w_k / sum_k w_k``: how similar D was when S
  was similar.  No similar history at all: 0.8 (``default``).
* **impact** ``I(c -> e)``: the largest, over acyclic paths from c to e,
  of the geometric mean of the path's edge weights; ``I(e -> e) = 1``.
* **global impact** ``S(c) = sum_e I(c -> e) A(e)``, and culprits of e
  ranked by ``I(c -> e) S(c)``.

Compiled with numba where the loops are over windows and edges.
"""
import math

import numpy as np
from numba import njit

SQRT2 = math.sqrt(2.0)


@njit(cache=True)
def _erf_array(x):
    out = np.empty(x.size)
    flat = x.ravel()
    for i in range(flat.size):
        out[i] = math.erf(flat[i])
    return out.reshape(x.shape)


def abnormality(v, mu, sigma, tol=1e-9):
    """``erf(|v - mu| / (sigma sqrt 2))``; where ``sigma`` is 0 (within
    ``tol`` of the scale of ``mu``): 0 if ``v == mu`` else 1."""
    v, mu, sigma = np.broadcast_arrays(np.asarray(v, float), np.asarray(mu, float),
                                       np.asarray(sigma, float))
    dev = np.abs(v - mu)
    scale = tol * np.maximum(1.0, np.abs(mu))
    flat = sigma <= scale
    z = np.where(flat, 0.0, dev / np.where(flat, 1.0, sigma * SQRT2))
    a = _erf_array(np.ascontiguousarray(z))
    return np.where(flat, (dev > scale).astype(float), a)


def history_stats(X):
    """Mean and standard deviation of every variable over its history,
    leaving the window itself out.  ``X``: (..., W, V); returns two arrays
    of X's shape (``mu``, ``sigma`` of the other W - 1 windows)."""
    W = X.shape[-2]
    if W < 2:
        return np.zeros_like(X), np.zeros_like(X)
    m = X.mean(axis=-2, keepdims=True)
    y = X - m                                   # centred: stable sums
    s1 = y.sum(axis=-2, keepdims=True)
    s2 = (y * y).sum(axis=-2, keepdims=True)
    n = W - 1
    mu_y = (s1 - y) / n
    var = np.maximum((s2 - y * y) / n - mu_y * mu_y, 0.0)
    return mu_y + m, np.sqrt(var)


def variable_abnormality(X):
    """A(v) of every variable in every window: (..., W, V)."""
    mu, sigma = history_stats(X)
    return abnormality(X, mu, sigma)


def component_abnormality(Avar, nvar):
    """Largest abnormality over each component's variables.  ``Avar``:
    (C, W, V) with component c using its first ``nvar[c]`` variables."""
    C, W, V = Avar.shape
    used = np.arange(V)[None, :] < np.asarray(nvar)[:, None]       # (C, V)
    return np.where(used[:, None, :], Avar, 0.0).max(axis=2)


def normalise(X, nvar):
    """Scale every variable by its range over the windows (0 where the
    range is 0), so state differences are means of values in [0, 1]."""
    lo = X.min(axis=1, keepdims=True)
    rng = X.max(axis=1, keepdims=True) - lo
    Xn = np.where(rng > 0, (X - lo) / np.where(rng > 0, rng, 1.0), 0.0)
    used = np.arange(X.shape[2])[None, :] < np.asarray(nvar)[:, None]
    return np.ascontiguousarray(np.where(used[:, None, :], Xn, 0.0))


@njit(cache=True)
def _distances(Xn, nvar, c, t, out):
    W = Xn.shape[1]
    nv = nvar[c]
    for w in range(W):
        s = 0.0
        for v in range(nv):
            s += abs(Xn[c, w, v] - Xn[c, t, v])
        out[w] = s / nv if nv > 0 else 0.0


@njit(cache=True)
def edge_weight_from_distances(d_src, d_dst, t, chunks, delta, default):
    """One edge's weight from the state differences of its source and
    destination between every window and the current window ``t``
    (window ``t`` itself is not history)."""
    W = d_src.size
    H = W - 1
    num = 0.0
    den = 0.0
    for k in range(chunks):
        lo = (k * H) // chunks
        hi = ((k + 1) * H) // chunks
        best = np.inf
        bw = -1
        for p in range(lo, hi):
            w = p if p < t else p + 1
            if d_src[w] < best:
                best = d_src[w]
                bw = w
        if bw >= 0 and best <= delta:
            wk = 1.0 - best
            num += (1.0 - d_dst[bw]) * wk
            den += wk
    if den > 0:
        return num / den
    return default


@njit(cache=True)
def edge_weights(Xn, nvar, Acomp, windows, src, dst, threshold, low, default,
                 delta, chunks):
    """Weights of edges ``src[i] -> dst[i]`` in each window of ``windows``:
    (len(windows), E)."""
    C, W, _ = Xn.shape
    E = src.size
    out = np.empty((windows.size, E))
    dist = np.zeros((C, W))
    have = np.zeros(C, np.bool_)
    for i in range(windows.size):
        t = windows[i]
        have[:] = False
        for e in range(E):
            s, d = src[e], dst[e]
            if Acomp[s, t] < threshold or Acomp[d, t] < threshold:
                out[i, e] = low
                continue
            for c in (s, d):
                if not have[c]:
                    _distances(Xn, nvar, c, t, dist[c])
                    have[c] = True
            out[i, e] = edge_weight_from_distances(dist[s], dist[d], t, chunks,
                                                   delta, default)
    return out


@njit(cache=True)
def path_impacts(n, src, dst, weights):
    """``I[c, e]``: over acyclic paths c -> e, the largest geometric mean
    of edge weights (``I[e, e] = 1``; 0 where no path).  The dependency
    graph must be acyclic; the best sum of log-weights per path length is
    found by dynamic programming, so every path is considered exactly."""
    E = src.size
    NEG = -np.inf
    logw = np.empty(E)
    for e in range(E):
        logw[e] = np.log(weights[e]) if weights[e] > 0 else NEG
    f = np.full((n, n), NEG)        # best log-sum over paths of L edges
    best = np.zeros((n, n))
    for c in range(n):
        f[c, c] = 0.0
        best[c, c] = 1.0
    for L in range(1, n):
        g = np.full((n, n), NEG)
        found = False
        for e in range(E):
            u, v = src[e], dst[e]
            for c in range(n):
                if f[c, u] > NEG:
                    x = f[c, u] + logw[e]
                    if x > g[c, v]:
                        g[c, v] = x
                        found = True
        if not found:
            break
        for c in range(n):
            for v in range(n):
                if g[c, v] > NEG and c != v:
                    gm = np.exp(g[c, v] / L)
                    if gm > best[c, v]:
                        best[c, v] = gm
        f = g
    return best


def ancestors(n, src, dst):
    """``R[c, e]``: True when c = e or a path c -> e exists."""
    R = np.eye(n, dtype=bool)
    for _ in range(n):
        nxt = R.copy()
        for u, v in zip(src, dst):
            nxt[:, v] |= R[:, u]
        if (nxt == R).all():
            break
        R = nxt
    return R


def global_impact(impact, A):
    """``S(c) = sum_e I(c -> e) A(e)`` (``impact`` = I, diagonal 1)."""
    return impact @ A


def culprit_scores(impact, S, e):
    """Rank score of every component as a culprit of ``e``:
    ``I(c -> e) S(c)``."""
    return impact[:, e] * S
