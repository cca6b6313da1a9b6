"""Records prepared for the compressed HHH (§4.4), steps 1 and 2 of
:mod:`microscope_plugin.aggregation.hhh`: every field reduced to its 1-D
heavy ancestors (AutoFocus), the fields' virtual trees built, identical
records merged and sorted by partition."""
import numpy as np

from microscope_plugin.aggregation._tree_kernels import tree_parents
from microscope_plugin.aggregation.factorize import factorize
from microscope_plugin.aggregation.hhh_types import REL_TOL, Prepared, Tree
from microscope_plugin.aggregation.hierarchy import PortHierarchy


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
