"""Pattern aggregation end to end on hand-built relation sets."""
import ipaddress
import json

import numpy as np
import pytest

from microscope_plugin.aggregation import (AggregationParams, NFCatalog,
                                           RelationRecords, aggregate,
                                           patterns_for_bug_flows)

CAT = NFCatalog(('ingress', 'nat1', 'fw1', 'fw2', 'vpn1'),
                ('source', 'nat', 'firewall', 'firewall', 'vpn'))
ING, NAT1, FW1, FW2, VPN1 = range(5)


def ip(text):
    return int(ipaddress.IPv4Address(text))


class Rows:
    """Builds relation rows: one call per (relation, culprit flow)."""

    def __init__(self):
        self.rows = []

    def add(self, group, c, c_nf, v, v_nf, weight, c_t=0, v_t=0):
        self.rows.append((group,) + tuple(c) + (c_nf,) + tuple(v) + (v_nf, weight, c_t, v_t))

    def records(self):
        a = list(zip(*self.rows))
        names = ('group', 'c_src', 'c_dst', 'c_sport', 'c_dport', 'c_proto', 'c_nf',
                 'v_src', 'v_dst', 'v_sport', 'v_dport', 'v_proto', 'v_nf', 'weight',
                 'c_t_ns', 'v_t_ns')
        return RelationRecords.build(**{k: np.array(v) for k, v in zip(names, a)})


def three_causes():
    """T = 100: a source burst (40) hurting NAT victims, a firewall slowly
    processing DNS (30) with its own victims, and diffuse noise at the NAT
    (30 relations of 1)."""
    r = Rows()
    burst = (ip('1.1.1.1'), ip('2.2.2.2'), 5000, 80, 6)
    for i in range(8):
        r.add(0, burst, ING, (ip('9.9.9.%d' % (i + 1)), ip('8.8.8.8'), 40000 + 100 * i,
                              443, 6), NAT1, 5.0, c_t=1000, v_t=2000 + 1000 * i)
    dns = (ip('3.3.3.3'), ip('4.4.4.4'), 53000, 53, 17)
    for j in range(6):
        r.add(1 + j, dns, FW1, (ip('7.7.7.%d' % (j + 1)), ip('6.6.6.6'), 50000 + 100 * j,
                                22, 6), FW1, 5.0)
    for k in range(30):
        r.add(10 + k, (ip('%d.0.0.1' % (11 + k)), ip('%d.0.0.2' % (101 + k)),
                       20000 + 100 * k, 30000 + 100 * k, 6), NAT1,
              (ip('%d.1.1.1' % (41 + k)), ip('%d.2.2.2' % (141 + k)), 45000 + 100 * k,
               1500 + 100 * k, 6), NAT1, 1.0)
    return r.records()


def cells(p):
    c, v = p.culprit, p.victim
    order = ('src', 'dst', 'proto', 'sport', 'dport', 'nf')
    return tuple(c[k] for k in order), tuple(v[k] for k in order)


def test_three_causes_at_ten_percent():
    res = aggregate(three_causes(), CAT, AggregationParams(threshold=0.1))
    got = [(cells(p), round(p.score, 9)) for p in res.patterns]
    assert got == [
        ((('1.1.1.1/32', '2.2.2.2/32', 'tcp', '5000', '80', 'ingress'),
          ('9.9.9.0/24', '8.8.8.8/32', 'tcp', '1024-65535', '443', 'nat1')), 40.0),
        ((('3.3.3.3/32', '4.4.4.4/32', 'udp', '53000', '53', 'fw1'),
          ('7.7.7.0/24', '6.6.6.6/32', 'tcp', '1024-65535', '22', 'fw1')), 30.0),
        ((('*', '*', 'tcp', '1024-65535', '1024-65535', 'nat1'),
          ('*', '*', 'tcp', '1024-65535', '1024-65535', 'nat1')), 30.0)]
    p = res.patterns[0]
    assert (p.rank, p.share, p.total, p.rows) == (1, 0.4, 40.0, 8)
    assert p.culprit_time_ns == (1000, 1000) and p.victim_time_ns == (2000, 9000)
    assert p.culprit_nf_level == 'instance'


def test_lower_threshold_splits_the_burst_victims():
    # at 4 % every burst victim (5) is significant on its own
    res = aggregate(three_causes(), CAT, AggregationParams(threshold=0.04))
    burst = [p for p in res.patterns if p.culprit['nf'] == 'ingress']
    assert len(burst) == 8
    assert {p.victim['src'] for p in burst} == {'9.9.9.%d/32' % i for i in range(1, 9)}


def test_threshold_zero_reports_every_distinct_relation_row():
    rec = three_causes()
    res = aggregate(rec, CAT, AggregationParams(threshold=0.0))
    assert len(res) == len(rec) == 44
    assert sum(p.score for p in res.patterns) == pytest.approx(100)
    assert all(p.culprit['src'].endswith('/32') for p in res.patterns)


def test_threshold_one_reports_one_pattern_with_everything():
    res = aggregate(three_causes(), CAT, AggregationParams(threshold=1.0))
    assert len(res) == 1
    p = res.patterns[0]
    assert p.share == pytest.approx(1.0) and p.culprit['nf'] == '*'
    assert p.rows == 44


def test_empty_and_zero_weight_inputs():
    res = aggregate(RelationRecords.empty(), CAT)
    assert res.patterns == [] and res.total == 0
    rec = three_causes()
    rec.weight[:] = 0
    assert aggregate(rec, CAT).patterns == []


@pytest.mark.parametrize('kw, message', [
    (dict(threshold=1.5), 'threshold: expected a share within'),
    (dict(threshold=-0.1), 'threshold: expected a share within'),
    (dict(threshold=float('nan')), 'threshold'),
    (dict(port_gap=0), 'port_gap: expected an integer >= 1'),
    (dict(port_min_run=1), 'port_min_run'),
    (dict(prefix_lengths=(8, 32)), 'prefix_lengths'),
    (dict(group_threshold=2), 'group_threshold'),
])
def test_bad_parameters_name_the_field(kw, message):
    with pytest.raises(ValueError, match='AggregationParams.' + message):
        AggregationParams(**kw)


def test_bad_records_are_rejected_before_work():
    rec = three_causes()
    rec.v_nf[0] = 17
    with pytest.raises(ValueError, match='v_nf: NF id 17 outside the catalog'):
        aggregate(rec, CAT)


def random_relations(seed, n=300):
    rng = np.random.default_rng(seed)
    hosts = np.array([ip(h) for h in ('10.0.0.1', '10.0.0.2', '10.0.1.1', '20.0.0.1',
                                      '20.1.0.1', '30.0.0.1')])
    c = np.column_stack([rng.choice(hosts, n), rng.choice(hosts, n),
                         rng.choice([80, 443, 2000, 2001, 2002, 40000], n),
                         rng.choice([53, 80, 443, 6000], n), rng.choice([6, 17], n)])
    v = np.column_stack([rng.choice(hosts, n), rng.choice(hosts, n),
                         rng.choice([1000, 2000, 50000], n), rng.choice([22, 443], n),
                         np.full(n, 6)])
    cols = dict(group=np.arange(n), c_src=c[:, 0], c_dst=c[:, 1], c_sport=c[:, 2],
                c_dport=c[:, 3], c_proto=c[:, 4], c_nf=rng.integers(0, 5, n),
                v_src=v[:, 0], v_dst=v[:, 1], v_sport=v[:, 2], v_dport=v[:, 3],
                v_proto=v[:, 4], v_nf=rng.integers(1, 5, n),
                weight=rng.lognormal(0, 1, n))
    return RelationRecords.build(**cols)


@pytest.mark.parametrize('seed', range(4))
def test_two_steps_equal_one_step_when_each_group_has_one_victim(seed):
    # with one victim per group the first step keeps victims exactly, so
    # the decoupling changes nothing
    rec = random_relations(seed)
    a = aggregate(rec, CAT, AggregationParams(threshold=0.03))
    b = aggregate(rec, CAT, AggregationParams(threshold=0.03, two_step=False))
    assert [cells(p) for p in a.patterns] == [cells(p) for p in b.patterns]
    assert [p.score for p in a.patterns] == pytest.approx([p.score for p in b.patterns])


def test_first_step_aggregates_the_victims_of_a_group():
    # one culprit set with 50 light victims: the first step keeps them as
    # one victim cluster of the group instead of 50
    r = Rows()
    for i in range(50):
        r.add(7, (ip('1.1.1.1'), ip('2.2.2.2'), 5000, 80, 6), ING,
              (ip('9.9.%d.1' % i), ip('8.8.8.8'), 40000 + 100 * i, 443, 6), NAT1, 1.0)
    res = aggregate(r.records(), CAT, AggregationParams(threshold=0.01))
    assert res.stats['victim_clusters'] == 50
    res = aggregate(r.records(), CAT, AggregationParams(threshold=0.01,
                                                        group_threshold=0.05))
    assert res.stats['victim_clusters'] == 1
    assert len(res) == 1 and res.patterns[0].victim['src'] == '9.9.0.0/16'


def test_pattern_json_and_rendering():
    res = aggregate(three_causes(), CAT, AggregationParams(threshold=0.1))
    d = json.loads(json.dumps(res.to_dict(top=2)))
    assert d['count'] == 3 and len(d['patterns']) == 2
    p = d['patterns'][0]
    assert set(p) == {'rank', 'score', 'share', 'total', 'attributed', 'culprit',
                      'victim', 'rows', 'culprit_time_ns', 'victim_time_ns'}
    assert sum(x.attributed for x in res.patterns) == pytest.approx(100)
    assert p['culprit'] == {'src': '1.1.1.1/32', 'dst': '2.2.2.2/32', 'sport': '5000',
                            'dport': '80', 'proto': 'tcp', 'nf': 'ingress',
                            'nf_level': 'instance'}
    line = res.patterns[0].render()
    assert line.startswith('1.1.1.1/32  2.2.2.2/32  tcp  5000  80  ingress  =>  9.9.9.0/24')
    assert line.endswith(': 40.00%')
    table = res.render()
    assert table.splitlines()[0].split()[:3] == ['#', 'share', 'c.src']
    assert len(table.splitlines()) == 4


def bug_relations(background_groups=190, seed=0):
    """§6.4: the 9 x 9 bug-triggering flows 100.0.0.1 -> 32.0.0.1 at fw2
    (each sport x dport combination 0.9 of a total of ~100, so significant
    on its own at 0.5 %), each culprit set interleaved with a background
    flow; victims at fw2 spread thinly over 10.0.0.0/8 -> 20.0.0.0/8
    port 443;
    plus diffuse background relations at the other NFs."""
    rng = np.random.default_rng(seed)
    r = Rows()
    g = 0
    i = 0
    for s in range(2000, 2009):
        for d in range(6000, 6009):
            bg = (ip('%d.%d.0.1' % (50 + i % 100, i % 200)), ip('60.0.0.1'),
                  int(rng.integers(1024, 65536)), 443, 6)
            for k in range(8):
                m = 8 * i + k      # at most 3 victims per /16: none significant
                v = (ip('10.%d.%d.1' % (m % 250, m // 250)),
                     ip('20.%d.%d.2' % (7 * m % 250, m // 250)), 1024 + 61 * m, 443, 6)
                r.add(g, (ip('100.0.0.1'), ip('32.0.0.1'), s, d, 6), FW2, v, FW2, 0.9 / 8)
                r.add(g, bg, FW2, v, FW2, 0.1 / 8)
            g += 1
            i += 1
    for j in range(background_groups):
        c = (ip('%d.%d.%d.1' % (150 + j % 50, j % 256, j // 256)),
             ip('%d.0.0.9' % (200 + j % 50)), int(rng.integers(1024, 65536)),
             int(rng.integers(1024, 65536)), 6)
        v = (ip('%d.1.%d.1' % (160 + j % 50, j % 256)), ip('%d.7.0.1' % (210 + j % 40)),
             int(rng.integers(1024, 65536)), int(rng.integers(1024, 65536)), 6)
        nf = (NAT1, FW1, VPN1)[j % 3]
        r.add(g, c, nf, v, nf, 0.1)
        g += 1
    rec = r.records()
    return rec.take(rng.permutation(len(rec)))


def test_bug_flows_are_one_pattern_with_adaptive_ports_and_81_with_static():
    rec = bug_relations()
    rep = patterns_for_bug_flows(rec, CAT, params=AggregationParams(threshold=0.005))
    c = rep.counts()
    assert c['adaptive']['naming_bug_flows'] == 1
    assert c['static']['naming_bug_flows'] == 81
    assert c['static']['culprit_aggregates'] == 81
    p = rep.adaptive_naming[0]
    assert (p.culprit['src'], p.culprit['dst'], p.culprit['proto'], p.culprit['sport'],
            p.culprit['dport'], p.culprit['nf']) == (
        '100.0.0.1/32', '32.0.0.1/32', 'tcp', '2000-2008', '6000-6008', 'fw2')
    assert p.victim['nf'] == 'fw2' and p.victim['dport'] == '443'
    assert p.share == pytest.approx(72.9 / rec.total)
    assert {x.culprit['sport'] for x in rep.static_naming} == {str(s) for s in
                                                               range(2000, 2009)}
    assert rep.adaptive.port_ranges['c_sport'] == [(2000, 2008)]
    assert rep.adaptive.port_ranges['c_dport'] == [(6000, 6008)]
    assert 'adaptive' in rep.render()
