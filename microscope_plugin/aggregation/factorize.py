"""Dense ids of distinct rows of integer columns (hash factorization).

Used to merge identical records and to group rows by several columns at
once, in the compressed HHH and in the summaries."""
import numpy as np

from microscope_plugin.aggregation._hash_kernels import hash_factorize


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
