"""NetMedic's formulas on hand-worked numbers (Kandula et al. 2009, §5)."""
import math

import numpy as np
import pytest

from microscope_plugin.baselines import netmedic_model as M

THIRD = 1.0 / 3.0


# -- abnormality: erf(|v - mu| / (sigma sqrt 2)) -------------------------

@pytest.mark.parametrize('v,mu,sigma,expected', [
    (5.0, 5.0, 2.0, 0.0),                       # at the mean: normal
    (7.0, 5.0, 2.0, math.erf(1 / math.sqrt(2))),  # one sigma: 0.6827
    (1.0, 5.0, 2.0, math.erf(2 / math.sqrt(2))),  # two sigma below: 0.9545
    (3.0, 3.0, 0.0, 0.0),                       # sigma = 0, v = mu
    (3.5, 3.0, 0.0, 1.0),                       # sigma = 0, v != mu
])
def test_abnormality(v, mu, sigma, expected):
    assert M.abnormality(v, mu, sigma) == pytest.approx(expected, abs=1e-12)


def test_one_sigma_is_below_the_abnormal_threshold_and_two_above():
    assert M.abnormality(1.0, 0.0, 1.0) < 0.8 < M.abnormality(2.0, 0.0, 1.0)


def test_history_leaves_the_window_out():
    """Window 3 (value 10) is judged against windows 0-2: mu = 2,
    sigma = sqrt(2/3)."""
    X = np.array([1.0, 2.0, 3.0, 10.0]).reshape(4, 1)
    mu, sigma = M.history_stats(X)
    assert mu[3, 0] == pytest.approx(2.0)
    assert sigma[3, 0] == pytest.approx(math.sqrt(2 / 3))
    assert mu[0, 0] == pytest.approx(5.0)                    # (2+3+10)/3
    A = M.variable_abnormality(X)
    assert A[3, 0] == pytest.approx(math.erf(8 / (math.sqrt(2 / 3) * math.sqrt(2))))


def test_constant_history_and_a_change():
    X = np.array([4.0, 4.0, 4.0, 9.0]).reshape(4, 1)
    A = M.variable_abnormality(X)
    assert A[3, 0] == 1.0             # sigma of the others is 0, v != mu
    assert 0 < A[0, 0] < 1            # the others see 9 in their history


def test_component_abnormality_is_the_max_of_its_variables():
    Avar = np.array([[[0.2, 0.9, 0.5]], [[0.3, 0.1, 0.99]]])   # (C=2, W=1, V=3)
    # component 1 only uses its first two variables
    assert M.component_abnormality(Avar, [3, 2]).tolist() == [[0.9], [0.3]]


def test_normalised_state_difference_uses_each_variables_range():
    X = np.array([[[0.0, 10.0], [5.0, 30.0], [10.0, 10.0]]])    # (1, W=3, 2)
    Xn = M.normalise(X, [2])
    assert Xn[0, :, 0].tolist() == [0.0, 0.5, 1.0]
    assert Xn[0, :, 1].tolist() == [0.0, 1.0, 0.0]


# -- edge weights -------------------------------------------------------

def test_edge_weight_from_similar_history():
    """History windows 0-3 in K = 2 chunks, current window 4.  Chunk
    {0, 1}: S most similar at 1 (d = 0.1) -> w = 0.9, D there d = 0.3.
    Chunk {2, 3}: S at 2 (d = 0.2) -> w = 0.8, D d = 0.6.
    E = (0.7 * 0.9 + 0.4 * 0.8) / (0.9 + 0.8)."""
    d_src = np.array([0.5, 0.1, 0.2, 0.4, 0.0])
    d_dst = np.array([0.0, 0.3, 0.6, 0.0, 0.0])
    w = M.edge_weight_from_distances(d_src, d_dst, 4, 2, THIRD, 0.8)
    assert w == pytest.approx((0.7 * 0.9 + 0.4 * 0.8) / 1.7)


def test_a_chunk_without_a_similar_state_does_not_vote():
    """Chunk {2, 3} has no S state within delta: only chunk {0, 1}."""
    d_src = np.array([0.5, 0.1, 0.6, 0.4, 0.0])
    d_dst = np.array([0.0, 0.3, 0.0, 0.0, 0.0])
    w = M.edge_weight_from_distances(d_src, d_dst, 4, 2, THIRD, 0.8)
    assert w == pytest.approx(0.7)


def test_no_similar_history_gives_the_high_default():
    d_src = np.array([0.5, 0.9, 0.6, 0.4, 0.0])
    d_dst = np.zeros(5)
    assert M.edge_weight_from_distances(d_src, d_dst, 4, 2, THIRD, 0.8) == 0.8


def test_the_current_window_is_not_its_own_history():
    """Window 1 is now; its distance 0 to itself must not count."""
    d_src = np.array([0.5, 0.0, 0.6, 0.9])
    d_dst = np.array([0.0, 0.0, 0.0, 0.0])
    assert M.edge_weight_from_distances(d_src, d_dst, 1, 1, THIRD, 0.8) == 0.8


def test_edge_weights_low_when_either_end_is_normal():
    """Three components, edges 0->1 and 1->2; in window 2, 0 and 1 are
    abnormal and 2 is not.  The state of 0 in window 2 matches window 0,
    where 1 was in exactly its current state: weight 1.  1 -> 2: 0.1."""
    X = np.zeros((3, 3, 1))
    X[0, :, 0] = [1.0, 0.0, 1.0]
    X[1, :, 0] = [5.0, 0.0, 5.0]
    X[2, :, 0] = [0.0, 1.0, 0.0]
    Acomp = np.array([[0.0, 0.0, 0.9], [0.0, 0.0, 0.95], [0.0, 0.0, 0.1]])
    Xn = M.normalise(X, np.array([1, 1, 1]))
    w = M.edge_weights(Xn, np.array([1, 1, 1]), Acomp, np.array([2]),
                       np.array([0, 1]), np.array([1, 2]), 0.8, 0.1, 0.8,
                       THIRD, 2)
    assert w[0].tolist() == pytest.approx([1.0, 0.1])


# -- impacts and ranking --------------------------------------------------

def _graph(edges):
    src = np.array([u for u, _, _ in edges], dtype=np.int64)
    dst = np.array([v for _, v, _ in edges], dtype=np.int64)
    w = np.array([x for _, _, x in edges])
    return src, dst, w


def test_impact_is_the_best_geometric_mean_over_paths():
    """0->3 directly (0.2), via 1 (0.9, 0.4: gm 0.6), via 2 (0.5, 0.5:
    gm 0.5): I(0->3) = 0.6.  No path 3->0; I(c->c) = 1."""
    src, dst, w = _graph([(0, 1, 0.9), (1, 3, 0.4), (0, 2, 0.5), (2, 3, 0.5),
                          (0, 3, 0.2)])
    imp = M.path_impacts(4, src, dst, w)
    assert imp[0, 3] == pytest.approx(0.6)
    assert imp[0, 1] == pytest.approx(0.9)
    assert imp[3, 0] == 0.0
    assert np.diag(imp).tolist() == [1.0] * 4


def test_a_longer_path_can_win_through_the_geometric_mean():
    """0->1->2->3 with weights 1, 1, 0.125: (0.125)^(1/3) = 0.5 beats the
    direct edge of 0.3."""
    src, dst, w = _graph([(0, 1, 1.0), (1, 2, 1.0), (2, 3, 0.125), (0, 3, 0.3)])
    assert M.path_impacts(4, src, dst, w)[0, 3] == pytest.approx(0.5)


def test_global_impact_and_ranking():
    """Chain source(0) -> nat(1) -> vpn(2) with weights 0.1, 0.9.
    I(0->2) = sqrt(0.09) = 0.3.  With A = (0.5, 1, 1):
    S(0) = 0.5 + 0.1 + 0.3, S(1) = 1 + 0.9, S(2) = 1.  For effect 2:
    vpn 1 * 1, nat 0.9 * 1.9 = 1.71, source 0.3 * 0.9 = 0.27."""
    src, dst, w = _graph([(0, 1, 0.1), (1, 2, 0.9)])
    imp = M.path_impacts(3, src, dst, w)
    A = np.array([0.5, 1.0, 1.0])
    S = M.global_impact(imp, A)
    assert S.tolist() == pytest.approx([0.9, 1.9, 1.0])
    scores = M.culprit_scores(imp, S, 2)
    assert scores.tolist() == pytest.approx([0.27, 1.71, 1.0])
    assert np.argsort(-scores).tolist() == [1, 2, 0]


def test_ancestors():
    R = M.ancestors(4, np.array([0, 1, 0]), np.array([1, 2, 3]))
    assert R[:, 2].tolist() == [True, True, True, False]
    assert R[:, 3].tolist() == [True, False, False, True]
