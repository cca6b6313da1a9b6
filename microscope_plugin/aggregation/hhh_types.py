"""Data types of the compressed HHH (§4.4): the reported clusters
(:class:`HHHResult`), one field's virtual tree (:class:`Tree`), records
prepared for the search (:class:`Prepared`), the tolerance on threshold
comparisons and the error raised when candidates exceed the guard.

The algorithm is in :mod:`microscope_plugin.aggregation.hhh`."""
import dataclasses

import numpy as np

from microscope_plugin.aggregation._tree_kernels import deepest_containing

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


def node_intervals(prep, dims, ids):
    lo = np.empty(ids.shape, dtype=np.int64)
    hi = np.empty(ids.shape, dtype=np.int64)
    for i, d in enumerate(dims):
        lo[:, i] = prep.trees[d].lo[ids[:, i]]
        hi[:, i] = prep.trees[d].hi[ids[:, i]]
    return lo, hi
