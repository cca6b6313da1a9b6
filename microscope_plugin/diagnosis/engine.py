"""Microscope's diagnosis of a reconstructed trace (§4.1-4.3).

    result = diagnose(trace, DiagnosisParams())

Builds the engine arrays, selects victims, walks each victim's queuing
period through the NF DAG, and returns a :class:`DiagnosisResult`.
"""
import time

import numpy as np

from microscope_plugin.diagnosis import kernel as K
from microscope_plugin.diagnosis import state
from microscope_plugin.diagnosis import victims as victims_mod
from microscope_plugin.diagnosis.params import DiagnosisParams
from microscope_plugin.diagnosis.result import DiagnosisResult
from microscope_plugin.diagnosis.walk import diagnose_rows


def _in_nf_relations(A, V):
    """§7: a packet delayed inside an NF is a victim of that NF; the score
    is the excess time in packets the NF could have processed."""
    sel = np.flatnonzero(V.kind == victims_mod.KIND_IN_NF)
    rows = V.row[sel]
    k = A.nf[rows]
    excess = (A.dep[rows] - A.read[rows]) * A.rate_pns[k]
    ints = np.zeros((len(rows), K.N_RI), dtype=np.int64)
    ints[:, K.R_VICTIM] = sel
    ints[:, K.R_CULPRIT] = k
    ints[:, K.R_KIND] = K.KIND_IN_NF
    ints[:, K.R_SET_NF] = k
    ints[:, K.R_SET_I0] = rows
    ints[:, K.R_SET_I1] = rows
    ints[:, K.R_SET_KEY] = K.SET_PROCESSED
    ints[:, K.R_T0] = A.read[rows]
    ints[:, K.R_T1] = A.dep[rows]
    return ints, np.maximum(excess, 0.0).reshape(-1, 1)


def diagnose(trace, params=None, progress=None):
    """Diagnose the victims of ``trace``; returns a DiagnosisResult."""
    params = params or DiagnosisParams()
    say = progress or (lambda *a: None)
    timings = {}
    t, c = time.perf_counter(), time.process_time()
    A = state.build(trace, params)
    timings['prepare_s'] = time.perf_counter() - t
    timings['prepare_cpu_s'] = time.process_time() - c
    t, c = time.perf_counter(), time.process_time()
    V = victims_mod.select(trace, A, params)
    timings['victims_s'] = time.perf_counter() - t
    timings['victims_cpu_s'] = time.process_time() - c
    say('victims', '%d victim hops (latency >= %.1f us, or lost)'
        % (len(V), V.threshold_ns / 1e3))
    t, c = time.perf_counter(), time.process_time()
    queued = np.flatnonzero(V.kind != victims_mod.KIND_IN_NF)
    ints, floats = diagnose_rows(
        V.row[queued], queued, A.arr, A.read, A.dep, A.pkt, A.nf, A.acc_cum, A.pos,
        A.nf_start, A.rb_t, A.rb_cum, A.rb_dur, A.rb_start, A.drain_t,
        A.drain_start,
        A.p_row, A.p_entry_t, A.p_entry_nf, A.rate_pns, params.max_depth,
        params.min_score)
    if params.victims.in_nf_delay_sigma > 0:
        i2, f2 = _in_nf_relations(A, V)
        ints, floats = np.concatenate([ints, i2]), np.concatenate([floats, f2])
    timings['diagnose_s'] = time.perf_counter() - t
    timings['diagnose_cpu_s'] = time.process_time() - c
    say('diagnose', '%d causal relations' % len(ints))
    topo = trace.topology
    return DiagnosisResult(
        diagnoser='microscope', names=topo.names,
        types=[n.type for n in topo.nfs], victims=V, rel_ints=ints,
        rel_floats=floats, arrays=A, params=params,
        trace_summary=trace.summary(), rates=A.rates_pps, timings=timings)
