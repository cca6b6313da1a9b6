"""Local diagnosis, propagation and recursion (§4.1-4.3), compiled.

For one packet ``p`` arriving at NF ``f`` (hop row ``j``):

* **queuing period** (§4.1): from the first arrival after the queue was
  last seen drained, up to p's arrival; ``T`` is its length, ``n_i(T)``
  the packets that entered the queue before p (PreSet(p)), ``n_p(T)`` the
  packets the NF processed in it, so ``n_i - n_p`` is the queue p found.
* **local scores** (Eq. 1-2): with ``x = r_i T``, ``S_i = n_i - x`` and
  ``S_p = x - n_p`` when ``n_i >= x``, else ``S_i = 0``, ``S_p = n_i - n_p``.
  ``S_i + S_p = n_i - n_p``, the queue p found.  Should the NF have read
  faster than r_i, the negative ``S_p`` is folded into ``S_i`` (sum kept).
* **propagation** (§4.2): PreSet(p) = the packets of ``n_i(T)``, grouped by
  the path they took to f.  On each path, the timespan (first to last
  departure) at the source and at every upstream NF is compared with
  ``T_exp = n_i(T) / r_f``; each hop's reduction of the timespan is its
  share.  A hop that widens the timespan cancels the most recent
  reductions first (Fig. 6: B's increase is taken from A), and a source
  that spread PreSet wider than ``T_exp`` leaves a debt later reductions
  pay first; the shares add up to ``max(0, T_exp - T_last)``.  A path's
  scores are weighted by its share of the PreSet packets among paths
  that were compressed, so the scores of all paths add up to ``S_i``.
* **recursion** (§4.3): an upstream NF with a positive score is diagnosed
  over the time PreSet crossed it: from the start of the queuing period
  the first PreSet packet found there to the arrival of the last PreSet
  packet (the paper takes the first packet's period; at that moment an
  interrupt that squeezes PreSet has often barely begun, so the period is
  extended to cover the whole squeeze).  Its score is split between its
  own processing (``S_p``) and, through propagation, its upstream
  (``S_i``).  An NF that reduced the timespan without a queue
  at that moment keeps the whole score.  Stops at the source, when no
  score is positive, or at ``max_depth``.

Relations are emitted as rows of two arrays (ints, floats); see
``REL_*`` for the columns.
"""
import numpy as np
from numba import njit

KIND_SOURCE = 0
KIND_NF = 1
KIND_IN_NF = 2      # §7: delay inside the NF itself

# int columns of a relation (R_VICTIM: index into the victims table)
R_VICTIM, R_CULPRIT, R_KIND, R_SET_NF, R_SET_I0, R_SET_I1, R_SET_KEY, \
    R_T0, R_T1, R_DEPTH = range(10)
N_RI = 10
# float columns
F_SCORE = 0
N_RF = 1

SET_PROCESSED = -2   # set key: packets the NF read during the period


@njit(cache=True)
def _grow(ints, floats, n):
    if n < ints.shape[0]:
        return ints, floats
    cap = ints.shape[0] * 2
    ni = np.empty((cap, ints.shape[1]), np.int64)
    nf = np.empty((cap, floats.shape[1]), np.float64)
    ni[:ints.shape[0]] = ints
    nf[:floats.shape[0]] = floats
    return ni, nf


@njit(cache=True)
def period_start(k, j, arr, nf_start, drain_t, drain_start):
    """First hop row of the queuing period of hop row j at NF k: the first
    arrival after the queue was last seen drained before j arrived."""
    a = arr[j]
    ds, de = drain_start[k], drain_start[k + 1]
    idx = np.searchsorted(drain_t[ds:de], a) - 1
    hs, he = nf_start[k], nf_start[k + 1]
    if idx >= 0:
        i0 = hs + np.searchsorted(arr[hs:he], drain_t[ds + idx], side='right')
    else:
        i0 = hs
    return min(i0, j)


@njit(cache=True)
def period_counts(k, i0, j, t_end, arr, acc_cum, nf_start, rb_t, rb_cum,
                  rb_dur, rb_start, rate_pns):
    """(n_i, n_p, t_free) for the period from the arrival of hop row i0 to
    ``t_end`` at NF k.

    ``n_i``: packets that entered the queue, rows i0..j (drops excluded;
    j = i0 - 1 for none).
    ``n_p``: packets the NF processed: those it read in [arr[i0], t_end],
    less the part of the last burst still being processed at t_end
    (processing spread evenly over the burst's read-to-send time).  Reads
    come 32 at a time; without this an NF working at its peak rate would
    look up to a burst behind it.

    Also returns ``t_free``: when the NF, working at its peak rate, would
    have finished the burst it read before the period began (or arr[i0]).
    Only from then on could it work on the period's packets, so ``r_i T``
    is counted from there.  The peak rate, not the burst's measured time:
    a stall inside that burst is the NF's own slowness and stays in S_p.
    """
    hs = nf_start[k]
    n_i = (acc_cum[j] if j >= hs else 0) - (acc_cum[i0 - 1] if i0 > hs else 0)
    rs, re = rb_start[k], rb_start[k + 1]
    a = t_end
    b1 = np.searchsorted(rb_t[rs:re], a, side='right')
    b0 = np.searchsorted(rb_t[rs:re], arr[i0])
    n_p = float((rb_cum[rs + b1 - 1] if b1 > 0 else 0)
                - (rb_cum[rs + b0 - 1] if b0 > 0 else 0))
    if b1 > b0:
        last = rs + b1 - 1
        size = rb_cum[last] - (rb_cum[last - 1] if b1 > 1 else 0)
        dur = rb_dur[last]
        if dur > 0 and a < rb_t[last] + dur:
            n_p -= size * (rb_t[last] + dur - a) / dur
    t_free = arr[i0]
    if b0 > 0 and rate_pns > 0:
        prev = rs + b0 - 1
        size = rb_cum[prev] - (rb_cum[prev - 1] if b0 > 1 else 0)
        busy_until = rb_t[prev] + size / rate_pns
        if busy_until > t_free:
            t_free = min(busy_until, a)
    return n_i, n_p, t_free


@njit(cache=True)
def queuing_period(k, j, arr, acc_cum, nf_start, rb_t, rb_cum, rb_dur,
                   rb_start, drain_t, drain_start, rate_pns):
    """Return (i0, T_start, n_i, n_p, t_free) for hop row j at NF k (§4.1)."""
    i0 = period_start(k, j, arr, nf_start, drain_t, drain_start)
    n_i, n_p, t_free = period_counts(k, i0, j, arr[j], arr, acc_cum, nf_start,
                                     rb_t, rb_cum, rb_dur, rb_start, rate_pns)
    return i0, arr[i0], n_i, n_p, t_free


@njit(cache=True)
def local_scores(n_i, n_p, rate_pns, t_len):
    """Eq. 1-2: (S_i, S_p) with S_i + S_p = n_i - n_p."""
    x = rate_pns * t_len
    if n_i >= x:
        s_i = n_i - x
        s_p = x - n_p
    else:
        s_i = 0.0
        s_p = float(n_i - n_p)
    if s_p < 0:
        s_i += s_p
        s_p = 0.0
    if s_i < 0:
        s_i = 0.0
    return s_i, s_p


@njit(cache=True)
def attribute_timespans(t_exp, spans):
    """Split the reduction from ``t_exp`` to ``spans[-1]`` over the hops
    (index 0 = source).  Returns per-hop reductions (>= 0)."""
    L = spans.size
    red = np.zeros(L)
    st_i = np.empty(L, np.int64)
    st_a = np.empty(L)
    top = 0
    debt = 0.0
    prev = t_exp
    for i in range(L):
        d = prev - spans[i]
        if d > 0:
            pay = min(d, debt)
            debt -= pay
            d -= pay
            if d > 0:
                st_i[top] = i
                st_a[top] = d
                top += 1
        elif d < 0:
            inc = -d
            while inc > 0 and top > 0:
                take = min(inc, st_a[top - 1])
                st_a[top - 1] -= take
                inc -= take
                if st_a[top - 1] <= 0:
                    top -= 1
            debt += inc
        prev = spans[i]
    for s in range(top):
        red[st_i[s]] += st_a[s]
    return red
