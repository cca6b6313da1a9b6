"""Reported patterns made readable and ranked (§4.4): the pair search's
clusters become :class:`Pattern` objects ordered by score, with their
labels, the relation rows inside each and those rows' time spans."""
import numpy as np

from microscope_plugin.aggregation import hhh_pairs
from microscope_plugin.aggregation._pair_kernels import pattern_row_stats
from microscope_plugin.aggregation.factorize import factorize
from microscope_plugin.aggregation.pattern_types import SIDE_FIELDS, Pattern


def _row_stats(state, vals, records, npat):
    """Rows inside each pattern and their culprit/victim time spans.

    Each row is mapped, field by field, to the deepest tree node holding
    its value; per side, rows inside exactly the same candidate halves
    form an atom; a pattern <c, v> holds the rows whose culprit atom lies
    in c and whose victim atom lies in v."""
    prep = state['prep']
    D = vals.shape[1]
    ids = np.empty(vals.shape, dtype=np.int64)
    for d in range(D):
        ids[:, d] = prep.trees[d].deepest(vals[:, d])
    ok = np.flatnonzero((ids >= 0).all(axis=1))
    if ok.size == 0 or npat == 0:
        return np.zeros(npat, np.int64), np.zeros((npat, 4), np.int64)
    atoms = []
    for side in (state['culprit'], state['victim']):
        T = np.ascontiguousarray(ids[ok][:, side['dims']])
        atoms.append(hhh_pairs.side_atoms(T, side['cards'], side['ids'], side['tout']))
    (ca, cptr, cidx, nca), (va, vptr, vidx, nva) = atoms
    inv, first = factorize([ca, va], [nca, nva])
    order = np.argsort(inv, kind='stable')
    starts = np.searchsorted(inv[order], np.arange(first.size))
    ct = records.c_t_ns[ok][order]
    vt = records.v_t_ns[ok][order]
    cnt = np.diff(np.append(starts, ok.size)).astype(np.int64)
    return pattern_row_stats(
        ca[first].astype(np.int64), va[first].astype(np.int64), cnt,
        np.minimum.reduceat(ct, starts), np.maximum.reduceat(ct, starts),
        np.minimum.reduceat(vt, starts), np.maximum.reduceat(vt, starts),
        cptr, cidx, vptr, vidx, state['pattern'], npat)


def make_patterns(res, hiers, total, vals, records, state):
    """The ranked :class:`Pattern` list of the pair search's result ``res``
    (``state`` as returned by :func:`hhh_pairs.pair_search`)."""
    if len(res) == 0:
        return []
    rows, span = _row_stats(state, vals, records, len(res))
    # rank: score, then total (both at a relative precision of 1e-9), then
    # the most specific first, then the fields' values
    sizes = np.array([h.size for h in hiers], dtype=np.float64)
    width = (np.log2(res.hi - res.lo + 1.0) / np.log2(sizes)).sum(axis=1)
    q = max(total, 1e-300) * 1e-9
    keys = [res.lo[:, d] for d in range(res.lo.shape[1] - 1, -1, -1)]
    order = np.lexsort(keys + [np.round(width, 9), -np.round(res.total / q),
                               -np.round(res.score / q)])
    nf = hiers[5]
    out = []
    for rank, i in enumerate(order):
        labels = [h.label(res.lo[i, d], res.hi[i, d]) for d, h in enumerate(hiers)]
        out.append(Pattern(
            rank=rank + 1,
            score=float(res.score[i]),
            share=float(res.score[i] / total),
            total=float(res.total[i]),
            culprit=dict(zip(SIDE_FIELDS, labels[:6])),
            victim=dict(zip(SIDE_FIELDS, labels[6:])),
            culprit_nf_level=nf.level_name(res.lo[i, 5], res.hi[i, 5]),
            victim_nf_level=nf.level_name(res.lo[i, 11], res.hi[i, 11]),
            lo=tuple(int(x) for x in res.lo[i]),
            hi=tuple(int(x) for x in res.hi[i]),
            attributed=float(res.attributed[i]),
            rows=int(rows[i]),
            culprit_time_ns=(int(span[i, 0]), int(span[i, 1])),
            victim_time_ns=(int(span[i, 2]), int(span[i, 3])),
        ))
    return out
