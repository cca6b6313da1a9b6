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

:func:`pair_search` is the second step of §4.4: the same compression over
the twelve-field clusters whose culprit and victim halves come from each
side's own report.
"""
import dataclasses

import numpy as np

from microscope_plugin.aggregation._compress_kernels import compress, compress_pairs
from microscope_plugin.aggregation._hash_kernels import hash_factorize
from microscope_plugin.aggregation._pair_kernels import (contain_ids, pair_members,
                                                         pair_weights)
from microscope_plugin.aggregation._tree_kernels import (closure_ids, deepest_containing,
                                                         enumerate_closed, tree_parents)
from microscope_plugin.aggregation.hierarchy import PortHierarchy

#: Relative tolerance on threshold comparisons (sums of floats).
REL_TOL = 1e-9


class TooManyClusters(ValueError):
    """The candidate set exceeded ``max_clusters``; raise the threshold."""


@dataclasses.dataclass
class HHHResult:
    """Reported clusters (one row each) and bookkeeping.

    ``ids``: (R, D) pre-order node ids in the fields' trees; ``lo``/``hi``:
    the same nodes as intervals.  ``score``: weight not in reported strict
    descendants (the overlap rule).  ``total``: T(X).  ``attributed``: the
    records' weight split evenly over their minimal reported clusters.
    """

    ids: np.ndarray
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
        return cls(z, z.copy(), z.copy(), f, f.copy(), f.copy(), np.zeros(0, np.int64))


@dataclasses.dataclass
class Tree:
    """Virtual tree of one field: nodes in pre-order (``lo`` ascending,
    larger first), ``tout[i]`` = last descendant, ``parent`` (root: itself),
    ``depth``, ``leaf`` (a leaf level of the field's hierarchy)."""

    keys: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    tout: np.ndarray
    parent: np.ndarray
    depth: np.ndarray
    leaf: np.ndarray

    @property
    def size(self):
        return self.keys.size

    def deepest(self, values):
        """Id of the deepest node containing each value (-1 if none)."""
        return deepest_containing(self.lo, self.hi, self.parent.astype(np.int64),
                                  np.asarray(values, dtype=np.int64))


@dataclasses.dataclass
class Prepared:
    """Records reduced to 1-D heavy nodes and merged, sorted by partition."""

    hiers: list
    trees: list
    R: np.ndarray           # (M, D) int32 node ids
    W: np.ndarray           # (M,)
    part: np.ndarray        # (M,) int64, sorted
    P: int
    thr: np.ndarray         # (P,) thresholds with the tolerance applied
    row_record: np.ndarray  # input row -> record (-1: zero weight)

    def arrays(self, dims):
        maxn = max([self.trees[d].size for d in dims] + [1])
        parent = np.zeros((len(dims), maxn), dtype=np.int32)
        tout = np.zeros((len(dims), maxn), dtype=np.int64)
        depth = np.zeros((len(dims), maxn), dtype=np.int32)
        for i, d in enumerate(dims):
            t = self.trees[d]
            parent[i, :t.size] = t.parent
            tout[i, :t.size] = t.tout
            depth[i, :t.size] = t.depth
        return parent, tout, depth


def factorize(cols, cards):
    """Dense ids of the distinct rows of non-negative integer columns with
    the given cardinalities: ``(inverse, first index of each id)``; ids
    are numbered in order of first appearance."""
    n = len(cols[0]) if cols else 0
    acc = np.zeros(n, dtype=np.int64)
    card = 1
    for c, k in zip(cols, cards):
        k = max(int(k), 1)
        if card * k >= 1 << 62:
            acc, first = hash_factorize(acc)
            card = first.size
        acc = acc * k + np.asarray(c, dtype=np.int64)
        card *= k
    return hash_factorize(acc)


def factorize_values(*cols):
    """Like :func:`factorize` for arbitrary integer columns (e.g. IPv4
    addresses): each column is first given dense ids."""
    dense, cards = [], []
    for c in cols:
        inv, first = hash_factorize(np.asarray(c).astype(np.int64))
        dense.append(inv)
        cards.append(first.size)
    return factorize(dense, cards)


def _canonical(h, lo, hi):
    """Points inside an adaptive port range become the range; every other
    input is expected to be a node of its hierarchy already."""
    if isinstance(h, PortHierarchy) and h.adaptive:
        return h.smallest_containing(lo, hi)
    return lo, hi


def _reduce_field(h, lo, hi, w, part, P, thr_part):
    """Each row's most specific ancestor whose 1-D weight (within its
    partition) reaches the partition's threshold (AutoFocus's
    unidimensional step): ``(sorted unique node keys, per-row index)``."""
    key = h.key(lo, hi)
    bits = h.key_bits
    if P == 1:
        order = np.argsort(key, kind='stable')
        new_key = key[order]
        ps = np.zeros(key.size, dtype=np.int64)
    elif int(P - 1).bit_length() + bits <= 62:
        comb = (part << bits) | key
        order = np.argsort(comb, kind='stable')
        comb = comb[order]
        ps = comb >> bits
        new_key = comb & ((np.int64(1) << bits) - 1)
    else:
        order = np.lexsort((key, part))
        ps = part[order]
        new_key = key[order]
    new = np.ones(key.size, dtype=bool)
    new[1:] = (ps[1:] != ps[:-1]) | (new_key[1:] != new_key[:-1])
    first = np.flatnonzero(new)
    item = np.cumsum(new) - 1
    ip = ps[first]
    iw = np.add.reduceat(w[order], first)
    ilo, ihi = h.unkey(new_key[first])
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
    ukeys, iinv = np.unique(h.key(rlo, rhi), return_inverse=True)
    row = np.empty(key.size, dtype=np.int64)
    row[order] = iinv.ravel()[item]
    return ukeys, row


def _virtual_tree(h, keys):
    """The virtual tree of sorted unique node keys: the nodes plus the
    lowest common ancestors of pre-order neighbours."""
    lo, hi = h.unkey(keys)
    if keys.size > 1:
        alo, ahi = h.smallest_containing(np.minimum(lo[:-1], lo[1:]),
                                         np.maximum(hi[:-1], hi[1:]))
        keys = np.union1d(keys, h.key(alo, ahi))
        lo, hi = h.unkey(keys)
    tout = (np.searchsorted(lo, hi, side='right') - 1).astype(np.int64)
    assert tout[0] == keys.size - 1, 'virtual tree without a single root'
    parent, depth = tree_parents(tout)
    leaf = h.level_of(lo, hi) == h.levels - 1
    return Tree(keys, lo, hi, tout, parent, depth, leaf)


def prepare(hiers, lo, hi, weight, part=None, thr=None):
    """Reduce every field to its 1-D heavy ancestors, build the fields'
    virtual trees and merge identical records (see the module docstring)."""
    D = len(hiers)
    lo = np.asarray(lo, dtype=np.int64).reshape(-1, D)
    hi = np.asarray(hi, dtype=np.int64).reshape(-1, D)
    w = np.asarray(weight, dtype=np.float64)
    n = w.shape[0]
    part = np.zeros(n, dtype=np.int64) if part is None else np.asarray(part, np.int64)
    thr = np.atleast_1d(np.asarray(thr, dtype=np.float64))
    P = int(thr.shape[0])
    keep = np.flatnonzero(w > 0)
    row_record = np.full(n, -1, dtype=np.int64)
    lo, hi, w, part = lo[keep], hi[keep], w[keep], part[keep]
    thr_eff = np.maximum(thr * (1 - REL_TOL), 0.0)
    trees = []
    ids = []
    reduce = bool(np.any(thr_eff > 0))
    for d, h in enumerate(hiers):
        flo, fhi = _canonical(h, lo[:, d], hi[:, d])
        if reduce:
            uk, inv = _reduce_field(h, flo, fhi, w, part, P, thr_eff)
        else:
            uk, inv = np.unique(h.key(flo, fhi), return_inverse=True)
        if uk.size == 0:
            uk = h.key(np.array([0]), np.array([h.size - 1]))
        t = _virtual_tree(h, uk)
        trees.append(t)
        ids.append(np.searchsorted(t.keys, uk)[inv.ravel()])
    inv, first = factorize([part] + ids, [P] + [t.size for t in trees])
    M = first.size
    R = np.column_stack([a[first] for a in ids]).astype(np.int32) if M else \
        np.zeros((0, D), dtype=np.int32)
    W = np.bincount(inv, weights=w, minlength=M)
    rpart = part[first]
    order = np.argsort(rpart, kind='stable')
    rank = np.empty(M, dtype=np.int64)
    rank[order] = np.arange(M)
    row_record[keep] = rank[inv]
    return Prepared(list(hiers), trees, np.ascontiguousarray(R[order]), W[order],
                    rpart[order], P, thr_eff, row_record)


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


def node_intervals(prep, dims, ids):
    lo = np.empty(ids.shape, dtype=np.int64)
    hi = np.empty(ids.shape, dtype=np.int64)
    for i, d in enumerate(dims):
        lo[:, i] = prep.trees[d].lo[ids[:, i]]
        hi[:, i] = prep.trees[d].hi[ids[:, i]]
    return lo, hi


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


# ------------------------------------------------- restricted pair lattice

def side_atoms(T, cards, C, tout):
    """Atoms of node-id tuples T over candidate clusters C: tuples inside
    exactly the same clusters share an atom.  Returns ``(atom per tuple,
    ptr, idx, number of atoms)``; atom a lies in ``idx[ptr[a]:ptr[a+1]]``."""
    inv, first = factorize([T[:, i] for i in range(T.shape[1])], cards)
    tin = contain_ids(np.ascontiguousarray(T[first], dtype=np.int64), C, tout)
    packed = np.packbits(tin, axis=1)
    void = np.ascontiguousarray(packed).view(
        np.dtype((np.void, packed.shape[1]))).ravel()
    _, afirst, ainv = np.unique(void, return_index=True, return_inverse=True)
    amat = tin[afirst]
    ptr = np.concatenate(([0], np.cumsum(amat.sum(axis=1)))).astype(np.int64)
    idx = np.nonzero(amat)[1].astype(np.int64)
    return ainv.ravel()[inv], ptr, idx, int(afirst.size)


def _side(prep, dims, max_clusters):
    """Candidate halves of one side: its compressed HHH report plus the
    side's root; with the side atoms of the records."""
    res = core(prep, dims, False, max_clusters)
    parent, tout, depth = prep.arrays(dims)
    T = np.ascontiguousarray(prep.R[:, dims])
    root = closure_ids(T, np.arange(T.shape[0]), parent, tout).astype(np.int64)
    C = res.ids
    if not np.any(np.all(C == root, axis=1)):
        C = np.vstack([C, root[None, :]])
    C = np.ascontiguousarray(C)
    cards = [prep.trees[d].size for d in dims]
    atom, ptr, idx, n_atoms = side_atoms(T, cards, C, tout)
    sub = contain_ids(C, C, tout)
    dsum = depth[np.arange(len(dims))[None, :], C].sum(axis=1).astype(np.int64)
    return dict(ids=C, res=res, atom=atom, ptr=ptr, idx=idx, sub=sub, depth=dsum,
                atoms=n_atoms, dims=dims, tout=tout, cards=cards)


def pair_hhh(hiers, lo, hi, weight, thr, max_clusters=5_000_000, split=6):
    """Compressed HHH over the lattice restricted to <culprit half, victim
    half> pairs whose halves are in the compressed HHH report of their own
    side (or are that side's root), as in the second step of §4.4.
    Fields ``[:split]`` are the culprit side.  Returns ``(HHHResult over
    all fields, statistics, state)``; the state holds the prepared records,
    both sides' candidate halves and the pattern index of each pair."""
    prep = prepare(hiers, lo, hi, weight, None, [thr])
    return pair_search(prep, max_clusters, split)


def combine_sides(cprep, crec, vprep, vrec, w):
    """A prepared 12-field record set from records of two prepared sides
    (culprit record ``crec[i]``, victim record ``vrec[i]``, weight
    ``w[i]``); both sides must use the same single threshold."""
    inv, first = factorize([crec, vrec], [cprep.W.size, vprep.W.size])
    W = np.bincount(inv, weights=w, minlength=first.size)
    R = np.ascontiguousarray(np.hstack([cprep.R[crec[first]], vprep.R[vrec[first]]]))
    keep = W > 0
    return Prepared(cprep.hiers + vprep.hiers, cprep.trees + vprep.trees,
                    R[keep], W[keep], np.zeros(int(keep.sum()), np.int64), 1,
                    cprep.thr, None)


def pair_search(prep, max_clusters=5_000_000, split=6):
    """:func:`pair_hhh` on prepared records."""
    D = len(prep.trees)
    if prep.W.size == 0:
        return HHHResult.empty(D), {}, None
    thr_eff = float(prep.thr[0])
    cdims, vdims = list(range(split)), list(range(split, D))
    cs = _side(prep, cdims, max_clusters)
    vs = _side(prep, vdims, max_clusters)
    ent = cs['atom'].astype(np.int64) * vs['atoms'] + vs['atom']
    ukey, einv = np.unique(ent, return_inverse=True)
    ew = np.bincount(einv.ravel(), weights=prep.W)
    ea = (ukey // vs['atoms']).astype(np.int64)
    eb = (ukey % vs['atoms']).astype(np.int64)
    nc, nv = cs['ids'].shape[0], vs['ids'].shape[0]
    pw = pair_weights(ea, eb, ew, cs['ptr'], cs['idx'], vs['ptr'], vs['idx'],
                      nc, nv)
    hv = (pw >= thr_eff) & (pw > 0)
    pc, pv = np.nonzero(hv)
    K = pc.size
    if K > max_clusters:
        raise TooManyClusters('more than %d candidate patterns; raise the '
                              'threshold' % max_clusters)
    pid = np.full((nc, nv), -1, dtype=np.int64)
    pid[pc, pv] = np.arange(K)
    moff, mem = pair_members(ea, eb, cs['ptr'], cs['idx'], vs['ptr'], vs['idx'],
                             pid)
    dsum = cs['depth'][pc] + vs['depth'][pv]
    order = np.argsort(-dsum, kind='stable')          # specific first
    reported, score, att = compress_pairs(pc.astype(np.int64), pv.astype(np.int64),
                                          order, moff, mem, ew, cs['sub'],
                                          vs['sub'], thr_eff)
    sel = np.flatnonzero(reported)
    ids = np.hstack([cs['ids'][pc[sel]], vs['ids'][pv[sel]]]).astype(np.int64)
    lo_, hi_ = node_intervals(prep, list(range(D)), ids)
    res = HHHResult(ids, lo_, hi_, score[sel], pw[pc[sel], pv[sel]], att[sel],
                    np.zeros(sel.size, np.int64), n_records=int(prep.W.size),
                    n_candidates=int(K))
    stats = {
        'culprit_side_clusters': int(nc), 'victim_side_clusters': int(nv),
        'culprit_side_candidates': cs['res'].n_candidates,
        'victim_side_candidates': vs['res'].n_candidates,
        'culprit_atoms': cs['atoms'], 'victim_atoms': vs['atoms'],
        'pair_entries': int(ew.size),
    }
    pattern = np.full((nc, nv), -1, dtype=np.int64)
    pattern[pc[sel], pv[sel]] = np.arange(sel.size)
    return res, stats, dict(prep=prep, culprit=cs, victim=vs, pattern=pattern)
