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

Steps 1 and 2 are in :mod:`.hhh_prepare` (:func:`prepare`), steps 3 and 4
here (:func:`core`, with the compiled loops in :mod:`._tree_kernels` and
:mod:`._compress_kernels`); the data types are in :mod:`.hhh_types`.
:func:`.hhh_pairs.pair_search` is the second step of §4.4: the same
compression over the twelve-field clusters whose culprit and victim halves
come from each side's own report.
"""
import numpy as np

from microscope_plugin.aggregation._compress_kernels import compress
from microscope_plugin.aggregation._tree_kernels import enumerate_closed
from microscope_plugin.aggregation.factorize import factorize
from microscope_plugin.aggregation.hhh_prepare import prepare
from microscope_plugin.aggregation.hhh_types import (HHHResult, TooManyClusters,
                                                     node_intervals)


def core(prep, dims=None, force_root=False, max_clusters=5_000_000):
    """Compressed HHH of ``prep``'s records over the fields ``dims``
    (default: all).  Returns an :class:`HHHResult` (ids over ``dims``)."""
    dims = list(range(len(prep.trees))) if dims is None else list(dims)
    D = len(dims)
    if prep.W.size == 0:
        return HHHResult.empty(D)
    if D == len(prep.trees) and dims == sorted(dims):
        R, W, part = prep.R, prep.W, prep.part
    else:
        cols = [prep.part] + [prep.R[:, d] for d in dims]
        inv, first = factorize(cols, [prep.P] + [prep.trees[d].size for d in dims])
        R = np.ascontiguousarray(prep.R[first][:, dims])
        W = np.bincount(inv, weights=prep.W, minlength=first.size)
        part = prep.part[first]
        order = np.argsort(part, kind='stable')
        R, W, part = np.ascontiguousarray(R[order]), W[order], part[order]
    M = W.size
    thr = prep.thr
    parent, tout, depth = prep.arrays(dims)
    leaf = np.column_stack([prep.trees[d].leaf[R[:, i]] for i, d in enumerate(dims)])
    pstart = np.searchsorted(part, np.arange(prep.P + 1)).astype(np.int64)
    # partitions whose records are all heavy leaves: each record is its own
    # reported cluster and nothing above it scores
    heavy = (W >= thr[part]) & leaf.all(axis=1)
    pfast = np.ones(prep.P, dtype=bool)
    np.logical_and.at(pfast, part, heavy)
    fast = pfast[part]
    out = []
    if fast.any():
        f = np.flatnonzero(fast)
        out.append((R[f], W[f], W[f], W[f], part[f], 0))
    slow = np.flatnonzero(~fast)
    if slow.size:
        if np.all(thr[part[slow]] <= 0):
            raise ValueError('threshold 0 with aggregated inputs: every '
                             'closed cluster would be a candidate')
        Rs = np.ascontiguousarray(R[slow])
        Ws = W[slow]
        ps = part[slow]
        pstart_s = np.searchsorted(ps, np.arange(prep.P + 1)).astype(np.int64)
        nodes, wsum, cpart, isroot, moff, mem = _enumerate(
            Rs, Ws, pstart_s, thr, parent, tout, int(max_clusters))
        K = nodes.shape[0]
        dsum = depth[np.arange(D)[None, :], nodes].sum(axis=1)
        order = np.lexsort((-dsum, cpart))      # specific first, per partition
        reported, sc, att = compress(nodes, cpart, isroot, moff, mem, Ws, tout,
                                     order, thr, bool(force_root))
        sel = np.flatnonzero(reported)
        out.append((nodes[sel], sc[sel], wsum[sel], att[sel], cpart[sel], K))
    del pstart
    ids = np.vstack([o[0] for o in out]).astype(np.int64)
    res = HHHResult(ids, None, None, np.concatenate([o[1] for o in out]),
                    np.concatenate([o[2] for o in out]),
                    np.concatenate([o[3] for o in out]),
                    np.concatenate([o[4] for o in out]).astype(np.int64),
                    n_records=int(M), n_candidates=int(sum(o[5] for o in out))
                    + int(fast.sum()))
    res.lo, res.hi = node_intervals(prep, dims, ids)
    return res


def _enumerate(R, W, pstart, thr, parent, tout, max_clusters):
    """Closed candidate clusters (see :func:`_tree_kernels.enumerate_closed`),
    retrying with larger buffers when they run out."""
    M, D = R.shape
    cap = min(max(4096, 4 * M), max_clusters)
    mcap = min(max(1 << 16, 64 * M), 1 << 24)
    while True:
        nodes = np.empty((cap, D), np.int32)
        wsum = np.empty(cap, np.float64)
        cpart = np.empty(cap, np.int64)
        core = np.empty(cap, np.int64)
        isroot = np.zeros(cap, np.bool_)
        moff = np.zeros(cap + 1, np.int64)
        mem = np.empty(mcap, np.int32)
        K = enumerate_closed(R, W, pstart, thr, parent, tout, nodes, wsum, cpart,
                             core, isroot, moff, mem)
        if K >= 0:
            return (nodes[:K], wsum[:K], cpart[:K], isroot[:K], moff[:K + 1],
                    mem[:moff[K]])
        if K == -1:
            if cap >= max_clusters:
                raise TooManyClusters('more than %d candidate clusters; raise the '
                                      'threshold' % max_clusters)
            cap = min(2 * cap, max_clusters)
        else:
            mcap *= 2


def compressed_hhh(hiers, lo, hi, weight, part=None, thr=None, force_root=False,
                   max_clusters=5_000_000):
    """Compressed HHH of weighted records (see the module docstring).

    ``hiers``: D hierarchies.  ``lo``, ``hi``: (N, D) int64 nodes (points
    have lo == hi); ``weight``: (N,); ``part``: (N,) partition ids in
    0..P-1 (default all 0); ``thr``: (P,) absolute thresholds.
    ``force_root``: also report each partition's root cluster whenever its
    score is > 0 (so that every record is attributed somewhere).
    """
    prep = prepare(hiers, lo, hi, weight, part, thr)
    if prep.W.size == 0:
        return HHHResult.empty(len(hiers))
    return core(prep, None, force_root, max_clusters)
