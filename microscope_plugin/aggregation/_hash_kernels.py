"""Compiled hash factorization (numba): dense ids of int64 keys in order
of first appearance, the base of every grouping of records.

Kept apart from the numpy code so that numba's on-disk cache survives
edits there."""
import numba
import numpy as np


@numba.njit(cache=True)
def hash_factorize(keys):
    """Dense ids of int64 keys in order of first appearance (open
    addressing): ``(inverse, index of each id's first occurrence)``."""
    n = keys.shape[0]
    size = 2
    bits = 1
    while size < 2 * n + 2:
        size *= 2
        bits += 1
    mask = size - 1
    shift = np.uint64(64 - bits)            # the top bits of the product
    slot_key = np.empty(size, np.int64)
    slot_id = np.full(size, -1, np.int64)
    inv = np.empty(n, np.int64)
    first = np.empty(n, np.int64)
    k = 0
    for i in range(n):
        x = keys[i]
        h = (np.uint64(x) * np.uint64(0x9E3779B97F4A7C15)) >> shift
        s = np.int64(h & np.uint64(mask))
        while True:
            sid = slot_id[s]
            if sid < 0:
                slot_id[s] = k
                slot_key[s] = x
                first[k] = i
                inv[i] = k
                k += 1
                break
            if slot_key[s] == x:
                inv[i] = sid
                break
            s = (s + 1) & mask
    return inv, first[:k]
