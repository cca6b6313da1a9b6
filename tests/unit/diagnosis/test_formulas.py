"""Hand-worked examples for Eq. 1-2 (§4.1) and the Fig. 6 timespan rule."""
import numpy as np
import pytest

from microscope_plugin.diagnosis.kernel import attribute_timespans, local_scores


@pytest.mark.parametrize('n_i,n_p,rate,t,s_i,s_p', [
    # n_i >= r T: S_i = n_i - rT, S_p = rT - n_p            (Eq. 1, 2)
    (100, 40, 0.5, 120, 40.0, 20.0),
    # n_i < r T: S_i = 0, S_p = n_i - n_p
    (50, 30, 0.5, 120, 0.0, 20.0),
    # an NF that drained as fast as r_i: all of the queue is input
    (100, 60, 0.5, 120, 40.0, 0.0),
    # read faster than r_i (jitter): negative S_p folded into S_i
    (100, 70, 0.5, 120, 30.0, 0.0),
    # p found an empty queue
    (1, 1, 0.5, 0, 0.0, 0.0),
])
def test_eq1_eq2(n_i, n_p, rate, t, s_i, s_p):
    got = local_scores(n_i, n_p, rate, t)
    assert got == pytest.approx((s_i, s_p))
    assert sum(got) == pytest.approx(n_i - n_p)       # S_i + S_p = queue


def test_fig6_chain_with_a_widening_hop():
    """§4.2: T_exp=10, T_source=8, T_A=4 (interrupt), T_B=6 (slower NF),
    T_C=3 (queue).  Source 10-8, A gets T_source - T_B = 2, B nothing,
    C gets T_B - T_C = 3; all of T_exp - T_C = 7 is attributed."""
    red = attribute_timespans(10.0, np.array([8.0, 4.0, 6.0, 3.0]))
    np.testing.assert_allclose(red, [2.0, 2.0, 0.0, 3.0])
    assert red.sum() == pytest.approx(10.0 - 3.0)


def test_monotone_chain_is_the_plain_fraction():
    red = attribute_timespans(12.0, np.array([9.0, 5.0, 2.0]))
    np.testing.assert_allclose(red / red.sum(), [3 / 10, 4 / 10, 3 / 10])


def test_source_wider_than_expected_leaves_a_debt():
    """The source spread PreSet over 15 > T_exp = 10; A compressed it to
    5: from f's view only T_exp - T_A = 5 is A's doing."""
    np.testing.assert_allclose(attribute_timespans(10.0, np.array([15.0, 5.0])),
                               [0.0, 5.0])


def test_widening_beyond_everything_cancels_all():
    np.testing.assert_allclose(attribute_timespans(10.0, np.array([8.0, 12.0])),
                               [0.0, 0.0])
    np.testing.assert_allclose(attribute_timespans(10.0, np.array([10.0])), [0.0])


def test_widening_cancels_the_most_recent_reduction_first():
    # src 10->8 (2), A 8->4 (4), B 4->7 (+3: A loses 3), C 7->2 (5)
    red = attribute_timespans(10.0, np.array([8.0, 4.0, 7.0, 2.0]))
    np.testing.assert_allclose(red, [2.0, 1.0, 0.0, 5.0])
