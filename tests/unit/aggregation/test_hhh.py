"""The compressed multi-dimensional HHH core against hand-worked cases and
a brute-force reference."""
import ipaddress

import numpy as np
import pytest

from microscope_plugin.aggregation import hhh, hhh_pairs
from microscope_plugin.aggregation.factorize import factorize_values
from microscope_plugin.aggregation.hierarchy import (NFHierarchy, PortHierarchy,
                                                     PrefixHierarchy,
                                                     ProtoHierarchy)
from microscope_plugin.aggregation.records import NFCatalog
from tests.unit.aggregation import reference

BYTES = PrefixHierarchy((0, 8, 16, 24, 32))


def ip(text):
    return int(ipaddress.IPv4Address(text))


def net(text):
    n = ipaddress.IPv4Network(text)
    return int(n.network_address), int(n.broadcast_address)


def run(hiers, rows, thr):
    pts = np.array([r[:-1] for r in rows], dtype=np.int64)
    w = np.array([r[-1] for r in rows], dtype=np.float64)
    return reference.as_dict(hhh.compressed_hhh(hiers, pts, pts, w, thr=[thr]))


def key(*nodes):
    return tuple(n[0] for n in nodes), tuple(n[1] for n in nodes)


def test_one_dimension_discounts_reported_descendants():
    # 10.0.0.1 and 10.0.0.2 are heavy; 10.0.1.5 and 10.0.2.7 are not, but
    # together they leave 15 in 10.0.0.0/16 once the two hosts are
    # discounted; /8 and the root then have nothing left.
    rows = [(ip('10.0.0.1'), 30), (ip('10.0.0.2'), 30), (ip('10.0.1.5'), 8),
            (ip('10.0.2.7'), 7), (ip('20.0.0.1'), 25)]
    got = run([BYTES], rows, 10)
    assert got == {
        key(net('10.0.0.1/32')): (30, 30), key(net('10.0.0.2/32')): (30, 30),
        key(net('20.0.0.1/32')): (25, 25), key(net('10.0.0.0/16')): (15, 75)}


def test_descendant_explains_it():
    # (10.0.0.0/24, 80) weighs 25 >= 10 but its reported descendant
    # (10.0.0.1, 80) explains 20 of it: 5 is left, so it is not reported.
    port = PortHierarchy()
    rows = [(ip('10.0.0.1'), 80, 20), (ip('10.0.0.2'), 80, 5),
            (ip('99.0.0.1'), 22, 75)]
    got = run([BYTES, port], rows, 10)
    assert got == {key(net('10.0.0.1/32'), (80, 80)): (20, 20),
                   key(net('99.0.0.1/32'), (22, 22)): (75, 75)}


def test_overlapping_clusters_both_count_shared_records():
    # (10.0.0.0/24, well-known ports) and (any, 80) are incomparable; the
    # record (10.0.0.1, 80) lies in both and counts for both.
    port = PortHierarchy()
    rows = [(ip('10.0.0.1'), 80, 8), (ip('10.0.0.2'), 443, 8),
            (ip('20.0.0.1'), 80, 8), (ip('99.0.0.1'), 22, 76)]
    pts = np.array([r[:-1] for r in rows])
    w = np.array([r[-1] for r in rows], dtype=float)
    res = hhh.compressed_hhh([BYTES, port], pts, pts, w, thr=[15])
    got = reference.as_dict(res)
    assert got == {key(net('99.0.0.1/32'), (22, 22)): (76, 76),
                   key(net('10.0.0.0/24'), (0, 1023)): (16, 16),
                   key((0, 2**32 - 1), (80, 80)): (16, 16)}
    # the shared record is split over its two minimal reported clusters
    att = dict(zip(map(tuple, res.lo.tolist()), res.attributed))
    assert att[(ip('10.0.0.0'), 0)] == pytest.approx(12)
    assert att[(0, 80)] == pytest.approx(12)
    assert res.attributed.sum() == pytest.approx(100)


def test_partitions_have_their_own_thresholds_and_root():
    port = PortHierarchy()
    pts = np.array([[ip('10.0.0.1'), 80], [ip('10.0.0.2'), 80],
                    [ip('10.0.0.1'), 80], [ip('30.0.0.9'), 53]])
    w = np.array([6.0, 4.0, 1.0, 1.0])
    part = np.array([0, 0, 1, 1])
    res = hhh.compressed_hhh([BYTES, port], pts, pts, w, part, [5.0, 1.0],
                             force_root=True)
    got = {(int(p), tuple(map(int, lo)), tuple(map(int, hi))): (s, t)
           for p, lo, hi, s, t in zip(res.part, res.lo, res.hi, res.score, res.total)}
    # partition 0: the heavy host, and its root keeps the remaining 4;
    # partition 1: both records are heavy at threshold 1
    assert got == {
        (0,) + key(net('10.0.0.1/32'), (80, 80)): (6, 6),
        (0,) + key(net('10.0.0.0/24'), (80, 80)): (4, 10),
        (1,) + key(net('10.0.0.1/32'), (80, 80)): (1, 1),
        (1,) + key(net('30.0.0.9/32'), (53, 53)): (1, 1)}


def random_case(seed, n=40, prefixes=BYTES):
    rng = np.random.default_rng(seed)
    cat = NFCatalog(('src', 'a1', 'a2', 'b1'), ('source', 'a', 'a', 'b'))
    nf = NFHierarchy(cat)
    port = PortHierarchy([(2000, 2003)]) if seed % 2 else PortHierarchy()
    hiers = [prefixes, port, ProtoHierarchy(), nf]
    src = rng.choice([ip('10.0.0.1'), ip('10.0.0.2'), ip('10.1.0.1'), ip('20.0.0.1'),
                      ip('20.0.5.5')], n)
    sport = rng.choice([80, 443, 2000, 2001, 2002, 5000], n)
    proto = rng.choice([6, 17], n, p=[0.8, 0.2])
    nfv = rng.integers(0, 4, n)
    pts = np.column_stack([src, sport, proto, nfv]).astype(np.int64)
    w = rng.exponential(1.0, n) * (rng.random(n) < 0.9)
    return hiers, pts, w


@pytest.mark.parametrize('seed', range(8))
@pytest.mark.parametrize('share', [0.03, 0.1, 0.25])
def test_matches_brute_force(seed, share):
    # odd seeds use an adaptive port range, so points inside it count as
    # the range (the reference lists node_at() of every level)
    hiers, pts, w = random_case(seed)
    thr = share * w.sum()
    got = reference.as_dict(hhh.compressed_hhh(hiers, pts, pts, w, thr=[thr]))
    exp = reference.brute_hhh(hiers, pts, w, thr)
    assert set(got) == set(exp)
    for k in exp:
        assert got[k] == pytest.approx(exp[k])


@pytest.mark.parametrize('seed', range(3))
def test_matches_brute_force_with_every_prefix_length(seed):
    hiers, pts, w = random_case(seed, n=25, prefixes=PrefixHierarchy())
    thr = 0.06 * w.sum()
    got = reference.as_dict(hhh.compressed_hhh(hiers, pts, pts, w, thr=[thr]))
    exp = reference.brute_hhh(hiers, pts, w, thr)
    assert set(got) == set(exp)
    for k in exp:
        assert got[k] == pytest.approx(exp[k])


@pytest.mark.parametrize('seed', range(6))
def test_pair_search_matches_brute_force(seed):
    hiers, pts, w = random_case(seed + 100, n=30)
    # two sides of two fields each: (src, sport) -> (proto, nf)
    thr = 0.08 * w.sum()
    res, stats, _ = hhh_pairs.pair_hhh(hiers, pts, pts, w, thr, split=2)
    exp = reference.brute_pairs(hiers, pts, w, thr, split=2)
    got = reference.as_dict(res)
    assert set(got) == set(exp)
    for k in exp:
        assert got[k] == pytest.approx(exp[k])


def test_threshold_zero_reports_every_distinct_record():
    port = PortHierarchy()
    pts = np.array([[ip('10.0.0.1'), 80], [ip('10.0.0.1'), 80], [ip('10.0.0.2'), 80]])
    w = np.array([1.0, 2.0, 0.5])
    got = reference.as_dict(hhh.compressed_hhh([BYTES, port], pts, pts, w, thr=[0.0]))
    assert got == {key(net('10.0.0.1/32'), (80, 80)): (3, 3),
                   key(net('10.0.0.2/32'), (80, 80)): (0.5, 0.5)}


def test_threshold_one_reports_the_root_closure_only():
    port = PortHierarchy()
    pts = np.array([[ip('10.0.0.1'), 80], [ip('10.0.0.2'), 443]])
    w = np.array([1.0, 3.0])
    got = reference.as_dict(hhh.compressed_hhh([BYTES, port], pts, pts, w, thr=[4.0]))
    assert got == {key(net('10.0.0.0/24'), (0, 1023)): (4, 4)}


def test_empty_and_zero_weight_inputs():
    port = PortHierarchy()
    z = np.zeros((0, 2), dtype=np.int64)
    assert len(hhh.compressed_hhh([BYTES, port], z, z, np.zeros(0), thr=[1.0])) == 0
    pts = np.array([[1, 80]])
    assert len(hhh.compressed_hhh([BYTES, port], pts, pts, np.zeros(1), thr=[0.0])) == 0


def test_too_many_clusters_is_a_clear_error():
    hiers, pts, w = random_case(3, n=60)
    with pytest.raises(hhh.TooManyClusters, match='raise the threshold'):
        hhh.compressed_hhh(hiers, pts, pts, w, thr=[0.01 * w.sum()], max_clusters=3)


def test_factorize_gives_dense_ids_of_distinct_rows():
    rng = np.random.default_rng(5)
    a = rng.integers(0, 7, 500)
    b = rng.integers(0, 3, 500) * (1 << 40)          # large, strided values
    inv, first = factorize_values(a, b)
    assert np.array_equal(a[first][inv], a) and np.array_equal(b[first][inv], b)
    assert first.size == len(set(zip(a.tolist(), b.tolist())))
    # ids count in order of first appearance
    assert inv[0] == 0 and np.all(np.diff(first) > 0)
