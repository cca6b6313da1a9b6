"""The restricted pair lattice (second step of §4.4): the compressed HHH
over the twelve fields whose candidates are <culprit half, victim half>
pairs, each half in the compressed HHH report of its own side (or that
side's root), scored from side atoms (records inside exactly the same
candidate halves)."""
import numpy as np

from microscope_plugin.aggregation._compress_kernels import compress_pairs
from microscope_plugin.aggregation._pair_kernels import (contain_ids, pair_members,
                                                         pair_weights)
from microscope_plugin.aggregation._tree_kernels import closure_ids
from microscope_plugin.aggregation.factorize import factorize
from microscope_plugin.aggregation.hhh import core
from microscope_plugin.aggregation.hhh_prepare import prepare
from microscope_plugin.aggregation.hhh_types import (HHHResult, Prepared,
                                                     TooManyClusters, node_intervals)


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
