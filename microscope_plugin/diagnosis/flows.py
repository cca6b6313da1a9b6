"""Which flows a relation's culprit packets belong to (compiled).

A relation's culprit packets are either one path's share of PreSet(p)
(a source culprit) or the packets an NF read during its queuing period
(an NF culprit).  For each relation we count packets per flow and keep
the ``k`` largest flows, with the total number of culprit packets.
"""
import numpy as np
from numba import njit

from microscope_plugin.diagnosis.kernel import (
    R_SET_I0, R_SET_I1, R_SET_KEY, R_T1, SET_PROCESSED)
from microscope_plugin.diagnosis.walk import path_key


@njit(cache=True)
def top_flows(rel_ints, k, arr, read, pkt, nf, pos, p_row, p_entry_nf, p_flow,
              n_nf):
    """Return (flow ids (n, k), packet counts (n, k), culprit packets (n,))."""
    n = rel_ints.shape[0]
    out_f = np.full((n, k), -1, np.int64)
    out_c = np.zeros((n, k), np.int64)
    total = np.zeros(n, np.int64)
    for x in range(n):
        i0 = rel_ints[x, R_SET_I0]
        i1 = rel_ints[x, R_SET_I1]
        key = rel_ints[x, R_SET_KEY]
        buf = np.empty(i1 - i0 + 1, np.int64)
        c = 0
        for r in range(i0, i1 + 1):
            if read[r] < 0:
                continue
            if key == SET_PROCESSED:
                if read[r] > rel_ints[x, R_T1]:
                    continue
            elif path_key(pkt[r], pos[r], p_entry_nf, p_row, nf, n_nf) != key:
                continue
            buf[c] = p_flow[pkt[r]]
            c += 1
        if c == 0 and key == SET_PROCESSED:
            # the NF processed nothing (a stall): its culprit packets are
            # the ones it left waiting
            for r in range(i0, i1 + 1):
                if read[r] >= 0:
                    buf[c] = p_flow[pkt[r]]
                    c += 1
        total[x] = c
        if c == 0:
            continue
        fl = np.sort(buf[:c])
        # run lengths
        ids = np.empty(c, np.int64)
        cnt = np.empty(c, np.int64)
        u = 0
        for y in range(c):
            if y == 0 or fl[y] != fl[y - 1]:
                ids[u] = fl[y]
                cnt[u] = 1
                u += 1
            else:
                cnt[u - 1] += 1
        order = np.argsort(-cnt[:u], kind='mergesort')
        for z in range(min(k, u)):
            out_f[x, z] = ids[order[z]]
            out_c[x, z] = cnt[order[z]]
    return out_f, out_c, total


def relation_flows(rel_ints, A, k):
    """Top-``k`` culprit flows of each relation (see :func:`top_flows`)."""
    if rel_ints.shape[0] == 0:
        return (np.zeros((0, k), np.int64), np.zeros((0, k), np.int64),
                np.zeros(0, np.int64))
    return top_flows(rel_ints, k, A.arr, A.read, A.pkt, A.nf, A.pos, A.p_row,
                     A.p_entry_nf, A.p_flow, len(A.rate_pns))
