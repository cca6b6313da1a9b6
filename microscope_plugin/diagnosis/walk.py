"""The per-victim walk: local diagnosis, propagation, recursion (§4.1-4.3).

Sequential per victim (a stack of NFs to diagnose), so compiled with
numba; the formulas live in :mod:`microscope_plugin.diagnosis.kernel`.
"""
import numpy as np
from numba import njit

from microscope_plugin.diagnosis.kernel import (
    F_SCORE, KIND_NF, KIND_SOURCE, N_RF, N_RI, R_CULPRIT, R_DEPTH, R_KIND,
    R_SET_I0, R_SET_I1, R_SET_KEY, R_SET_NF, R_T0, R_T1, R_VICTIM,
    SET_PROCESSED, _grow, attribute_timespans, local_scores, period_counts,
    period_start)


@njit(cache=True)
def _emit(ints, floats, n, victim, culprit, kind, set_nf, i0, i1, key, t0, t1,
          depth, score):
    ints, floats = _grow(ints, floats, n)
    ints[n, R_VICTIM] = victim
    ints[n, R_CULPRIT] = culprit
    ints[n, R_KIND] = kind
    ints[n, R_SET_NF] = set_nf
    ints[n, R_SET_I0] = i0
    ints[n, R_SET_I1] = i1
    ints[n, R_SET_KEY] = key
    ints[n, R_T0] = t0
    ints[n, R_T1] = t1
    ints[n, R_DEPTH] = depth
    floats[n, F_SCORE] = score
    return ints, floats, n + 1


@njit(cache=True)
def path_key(q, ps, p_entry_nf, p_row, nf, n_nf):
    """Identity of the path packet q took before path position ``ps``."""
    key = p_entry_nf[q] + 2
    for h in range(ps):
        key = key * (n_nf + 2) + nf[p_row[q, h]] + 1
    return key


@njit(cache=True)
def diagnose_rows(victim_rows, victim_ids, arr, read, dep, pkt, nf, acc_cum, pos, nf_start,
                  rb_t, rb_cum, rb_dur, rb_start, drain_t, drain_start, p_row,
                  p_entry_t, p_entry_nf, rate_pns, max_depth, min_score):
    n_nf = rate_pns.size
    H = p_row.shape[1]
    ints = np.empty((max(1024, victim_rows.size * 4), N_RI), np.int64)
    floats = np.empty((ints.shape[0], N_RF), np.float64)
    n = 0
    st_nf = np.empty(4096, np.int64)
    st_row = np.empty(4096, np.int64)
    st_first = np.empty(4096, np.int64)
    st_score = np.empty(4096, np.float64)
    st_depth = np.empty(4096, np.int64)
    nf_score = np.zeros(n_nf)
    nf_first = np.full(n_nf, -1, np.int64)
    nf_last = np.full(n_nf, -1, np.int64)
    spans = np.empty(H + 1)
    for v in range(victim_rows.size):
        j0 = victim_rows[v]
        vid = victim_ids[v]
        top = 0
        st_nf[0] = nf[j0]
        st_row[0] = j0
        st_first[0] = j0
        st_score[0] = -1.0
        st_depth[0] = 0
        top = 1
        while top > 0:
            top -= 1
            k = st_nf[top]
            j = st_row[top]
            jf = st_first[top]
            score = st_score[top]
            depth = st_depth[top]
            if rate_pns[k] <= 0:
                continue
            i0 = period_start(k, jf, arr, nf_start, drain_t, drain_start)
            t0 = arr[i0]
            # PreSet(p) is what arrived before the victim p; an upstream NF
            # is diagnosed up to and including the last PreSet packet
            jj = j - 1 if score < 0 else j
            if jj < i0:
                continue
            n_i, n_p, t_free = period_counts(k, i0, jj, arr[j], arr, acc_cum,
                                             nf_start, rb_t, rb_cum, rb_dur,
                                             rb_start, rate_pns[k])
            s_i, s_p = local_scores(n_i, n_p, rate_pns[k], arr[j] - t_free)
            if score < 0:       # the victim itself: its queue excludes it
                local, inp = s_p, s_i
            elif s_i + s_p <= 0:
                local, inp = score, 0.0
            else:
                local = score * s_p / (s_i + s_p)
                inp = score * s_i / (s_i + s_p)
            if local > min_score:
                ints, floats, n = _emit(ints, floats, n, vid, k, KIND_NF, k, i0,
                                        jj, SET_PROCESSED, t0, arr[j], depth,
                                        local)
            if inp <= min_score or depth >= max_depth or n_i <= 0:
                continue
            # PreSet(p): accepted arrivals of the period, keyed by path
            m = jj - i0 + 1
            keys = np.empty(m, np.int64)
            rows = np.empty(m, np.int64)
            c = 0
            for r in range(i0, jj + 1):
                if read[r] < 0:
                    continue
                keys[c] = path_key(pkt[r], pos[r], p_entry_nf, p_row, nf, n_nf)
                rows[c] = r
                c += 1
            if c == 0:
                continue
            keys = keys[:c]
            rows = rows[:c]
            order = np.argsort(keys, kind='mergesort')
            t_exp = n_i / rate_pns[k]
            # first pass: reductions per path group
            g_start = np.empty(c + 1, np.int64)
            ng = 0
            for x in range(c):
                if x == 0 or keys[order[x]] != keys[order[x - 1]]:
                    g_start[ng] = x
                    ng += 1
            g_start[ng] = c
            g_red = np.zeros((ng, H + 1))
            g_R = np.zeros(ng)
            g_len = np.zeros(ng, np.int64)
            w_total = 0.0
            for g in range(ng):
                a, b = g_start[g], g_start[g + 1]
                r0 = rows[order[a]]
                L = pos[r0]
                g_len[g] = L
                q0 = pkt[r0]
                known = p_entry_t[q0] >= 0
                lo = np.int64(1) << 62
                hi = -lo
                for x in range(a, b):
                    q = pkt[rows[order[x]]]
                    t = p_entry_t[q] if known else arr[p_row[q, 0]]
                    lo = min(lo, t)
                    hi = max(hi, t)
                spans[0] = hi - lo
                for h in range(L):
                    lo = np.int64(1) << 62
                    hi = -lo
                    for x in range(a, b):
                        t = dep[p_row[pkt[rows[order[x]]], h]]
                        lo = min(lo, t)
                        hi = max(hi, t)
                    spans[1 + h] = hi - lo
                red = attribute_timespans(t_exp, spans[:L + 1].copy())
                R = red.sum()
                g_R[g] = R
                g_red[g, :L + 1] = red
                if R > 0:
                    w_total += b - a
            if w_total <= 0:
                continue
            nf_score[:] = 0.0
            nf_first[:] = -1
            nf_last[:] = -1
            for g in range(ng):
                if g_R[g] <= 0:
                    continue
                a, b = g_start[g], g_start[g + 1]
                share = inp * (b - a) / w_total / g_R[g]
                L = g_len[g]
                s_src = share * g_red[g, 0]
                if s_src > min_score:
                    q0 = pkt[rows[order[a]]]
                    lo = np.int64(1) << 62
                    hi = -lo
                    for x in range(a, b):
                        q = pkt[rows[order[x]]]
                        t = p_entry_t[q] if p_entry_t[q] >= 0 else arr[p_row[q, 0]]
                        lo = min(lo, t)
                        hi = max(hi, t)
                    ints, floats, n = _emit(ints, floats, n, vid, p_entry_nf[q0],
                                            KIND_SOURCE, k, i0, jj,
                                            keys[order[a]], lo, hi, depth,
                                            s_src)
                for h in range(L):
                    s_h = share * g_red[g, 1 + h]
                    if s_h <= 0:
                        continue
                    hnf = nf[p_row[pkt[rows[order[a]]], h]]
                    nf_score[hnf] += s_h
                    for x in range(a, b):
                        rr = p_row[pkt[rows[order[x]]], h]
                        if nf_first[hnf] < 0 or arr[rr] < arr[nf_first[hnf]]:
                            nf_first[hnf] = rr
                        if nf_last[hnf] < 0 or arr[rr] > arr[nf_last[hnf]]:
                            nf_last[hnf] = rr
            for hnf in range(n_nf):
                if nf_score[hnf] > min_score and nf_first[hnf] >= 0:
                    if top >= st_nf.size:
                        break
                    st_nf[top] = hnf
                    st_row[top] = nf_last[hnf]
                    st_first[top] = nf_first[hnf]
                    st_score[top] = nf_score[hnf]
                    st_depth[top] = depth + 1
                    top += 1
    return ints[:n], floats[:n]
