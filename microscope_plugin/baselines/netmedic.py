"""NetMedic (Kandula et al., SIGCOMM 2009) as a second diagnoser (§6.2).

    result = NetMedicDiagnoser(window_ms=10).diagnose(trace, DiagnosisParams())

The same victims as Microscope's (:mod:`microscope_plugin.diagnosis.victims`
with the same :class:`DiagnosisParams`); for each, the *effect* component
is the NF where the victim is diagnosed and the time window is the one its
packet arrived there in.  Components are NF instances and traffic sources;
the dependency graph is the NF DAG with source -> first-hop edges (§6.1);
states per window come from :mod:`netmedic_state`, the inference from
:mod:`netmedic_model`.  Every component with a path to the effect is a
candidate culprit, scored ``I(c -> e) S(c)``.

The result is a :class:`DiagnosisResult`: one relation per (victim,
candidate) with kind ``source`` or ``nf``, the rank score as its score,
the window as its time interval, and no culprit packets (NetMedic names
components, not flows).
"""
import dataclasses
import time

import numpy as np

from microscope_plugin import topology as topo
from microscope_plugin.baselines import netmedic_model as M
from microscope_plugin.baselines.netmedic_state import component_states
from microscope_plugin.diagnosis import kernel as K
from microscope_plugin.diagnosis import state
from microscope_plugin.diagnosis import victims as victims_mod
from microscope_plugin.diagnosis.base import Diagnoser
from microscope_plugin.diagnosis.params import DiagnosisParams
from microscope_plugin.diagnosis.result import DiagnosisResult


@dataclasses.dataclass(frozen=True)
class NetMedicParams:
    """NetMedic's knobs, with the values of its paper.

    ``window_ns``: the time window states are sampled over (§6.1 of the
    Microscope paper found 10 ms best for NFs).  ``threshold``: abnormal
    when A >= 0.8.  ``low_weight``: edge weight when either end is normal.
    ``default_weight``: when no similar state exists in any chunk of
    history.  ``delta``: largest normalised state difference that counts
    as similar.  ``chunks``: K, the pieces history is cut into.
    """

    window_ns: int = 10_000_000
    threshold: float = 0.8
    low_weight: float = 0.1
    default_weight: float = 0.8
    delta: float = 1.0 / 3.0
    chunks: int = 10

    def __post_init__(self):
        if self.window_ns <= 0:
            raise ValueError('window_ns must be positive')
        if not 0 < self.threshold <= 1:
            raise ValueError('threshold must be in (0, 1]')
        if not (0 < self.low_weight <= 1 and 0 < self.default_weight <= 1):
            raise ValueError('edge weights must be in (0, 1]')
        if not 0 <= self.delta <= 1 or self.chunks < 1:
            raise ValueError('delta must be in [0, 1] and chunks >= 1')

    def to_dict(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class _ResultParams:
    """What a NetMedic result was computed with (``to_dict`` for JSON)."""

    diagnosis: DiagnosisParams
    netmedic: NetMedicParams

    def to_dict(self):
        d = self.diagnosis.to_dict()
        d['netmedic'] = self.netmedic.to_dict()
        return d


@dataclasses.dataclass
class NetMedicModel:
    """The inference for a set of windows: abnormalities, edge weights,
    impacts and global impacts (kept for inspection and tests)."""

    states: object              # ComponentStates
    src: np.ndarray             # dependency edges
    dst: np.ndarray
    reach: np.ndarray           # (C, C) c = e or a path c -> e
    A_comp: np.ndarray          # (C, W) component abnormality
    windows: np.ndarray         # windows the rest is computed for
    weights: np.ndarray         # (len(windows), E)
    impact: np.ndarray          # (len(windows), C, C) I(c -> e)
    global_impact: np.ndarray   # (len(windows), C)

    def scores(self, i, e):
        """Rank score of each component as a culprit of ``e`` in
        ``windows[i]`` (NaN for components without a path to e)."""
        s = M.culprit_scores(self.impact[i], self.global_impact[i], e)
        return np.where(self.reach[:, e], s, np.nan)


def dependency_edges(topology):
    """Edges of the dependency graph: the NF DAG, sources included."""
    names = topology.names
    src = np.array([names.index(u) for u, _ in topology.edges], dtype=np.int64)
    dst = np.array([names.index(d) for _, d in topology.edges], dtype=np.int64)
    return src, dst


def build_model(trace, A, nm, victim_times=None):
    """Run NetMedic's inference over the windows holding ``victim_times``
    (default: every window)."""
    st = component_states(trace, A, nm.window_ns)
    src, dst = dependency_edges(trace.topology)
    C = len(st.names)
    A_var = M.variable_abnormality(st.X)
    A_comp = M.component_abnormality(A_var, st.nvar)
    Xn = M.normalise(st.X, st.nvar)
    if victim_times is None:
        windows = np.arange(st.n_windows, dtype=np.int64)
    else:
        windows = np.unique(st.window_of(victim_times)).astype(np.int64)
    weights = M.edge_weights(Xn, st.nvar, A_comp, windows, src, dst,
                             nm.threshold, nm.low_weight, nm.default_weight,
                             nm.delta, nm.chunks)
    impact = np.empty((len(windows), C, C))
    gimp = np.empty((len(windows), C))
    for i, t in enumerate(windows):
        impact[i] = M.path_impacts(C, src, dst, weights[i])
        gimp[i] = M.global_impact(impact[i], A_comp[:, t])
    return NetMedicModel(states=st, src=src, dst=dst,
                         reach=M.ancestors(C, src, dst), A_comp=A_comp,
                         windows=windows, weights=weights, impact=impact,
                         global_impact=gimp)


def relations(model, V, kinds):
    """One relation per (victim, candidate culprit of its NF)."""
    st = model.states
    vwin = st.window_of(V.t_ns)
    wi = np.searchsorted(model.windows, vwin)
    e = V.nf.astype(np.int64)
    vi, c = np.nonzero(model.reach[:, e].T)          # candidates per victim
    score = model.impact[wi[vi], c, e[vi]] * model.global_impact[wi[vi], c]
    ints = np.zeros((len(vi), K.N_RI), dtype=np.int64)
    ints[:, K.R_VICTIM] = vi
    ints[:, K.R_CULPRIT] = c
    ints[:, K.R_KIND] = kinds[c]
    ints[:, K.R_SET_NF] = e[vi]
    ints[:, K.R_SET_I0] = 0
    ints[:, K.R_SET_I1] = -1                          # no culprit packets
    t0 = st.t0 + vwin[vi] * st.window_ns
    ints[:, K.R_T0] = t0
    ints[:, K.R_T1] = t0 + st.window_ns
    return ints, score.reshape(-1, 1)


def diagnose(trace, params=None, nm=None, progress=None):
    """NetMedic's diagnosis of the victims of ``trace``."""
    params = params or DiagnosisParams()
    say = progress or (lambda *a: None)
    t = time.perf_counter()
    A = state.build(trace, params)
    t1 = time.perf_counter()
    V = victims_mod.select(trace, A, params)
    t2 = time.perf_counter()
    say('victims', '%d victim hops' % len(V))
    res = diagnose_prepared(trace, A, V, params, nm, progress)
    res.timings.update(prepare_s=t1 - t, victims_s=t2 - t1)
    return res


def diagnose_prepared(trace, A, V, params, nm=None, progress=None):
    """NetMedic on engine arrays ``A`` and victims ``V`` already built
    (window sweeps reuse them)."""
    nm = nm or NetMedicParams()
    say = progress or (lambda *a: None)
    t = time.perf_counter()
    # only the windows that hold victims need edge weights and impacts
    model = build_model(trace, A, nm, victim_times=V.t_ns)
    kinds = np.array([K.KIND_SOURCE if n.role == topo.ROLE_SOURCE else K.KIND_NF
                      for n in trace.topology.nfs], dtype=np.int64)
    ints, floats = relations(model, V, kinds)
    timings = {'diagnose_s': time.perf_counter() - t}
    say('diagnose', 'NetMedic, %g ms windows: %d candidate relations'
        % (nm.window_ns / 1e6, len(ints)))
    topology = trace.topology
    return DiagnosisResult(
        diagnoser='netmedic', names=topology.names,
        types=[n.type for n in topology.nfs], victims=V, rel_ints=ints,
        rel_floats=floats, arrays=A,
        params=_ResultParams(diagnosis=params, netmedic=nm),
        trace_summary=trace.summary(), rates=A.rates_pps, timings=timings)


class NetMedicDiagnoser(Diagnoser):
    """Time-window correlation over the NF dependency graph (NetMedic)."""

    name = 'netmedic'

    def __init__(self, netmedic_params=None, window_ms=None):
        nm = netmedic_params or NetMedicParams()
        if window_ms is not None:
            nm = dataclasses.replace(nm, window_ns=int(round(window_ms * 1e6)))
        self.params = nm

    def diagnose(self, trace, params, progress=None):
        return diagnose(trace, params, self.params, progress)
