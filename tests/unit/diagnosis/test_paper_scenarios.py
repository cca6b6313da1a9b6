"""The paper's motivating examples (Fig. 1, 2, 3, 8) diagnose right."""
import numpy as np

from microscope_plugin.diagnosis import DiagnosisParams, VictimCriteria
from tests.unit.diagnosis.helpers import run, stage

# these runs are short and the faults dominate them: victims by threshold
SLOW = DiagnosisParams(victims=VictimCriteria(latency_threshold_ns=60_000))


def causes_at(r, nf, fault):
    """Top-ranked causes of the victims diagnosed at ``nf`` that the truth
    attributes to ``fault``."""
    res = r.result
    V = res.victims
    C = res.causes()
    k = res.names.index(nf)
    rows = r.pkt_row[V.pkt]
    out = []
    for i in np.flatnonzero(C.rank == 1):
        v = C.victim[i]
        if V.nf[v] == k and rows[v] >= 0 and r.truth['victim_fault'][rows[v]] == fault:
            out.append((res.names[C.culprit[i]] if C.culprit[i] >= 0 else None,
                        int(C.kind[i])))
    return out


FLOW_A = {'model': 'flow', 'rate_mpps': 0.1,
          'flow': {'src': '10.9.9.9/32', 'dst': '10.8.8.8/32', 'sport': 5000,
                   'dport': 80, 'proto': 'udp'}}


def test_fig1_burst_is_blamed_on_the_source_flow(tmp_path):
    r = run({'name': 'fig1', 'duration_s': 0.01, 'seed': 4,
             'topology': {'stages': [stage('firewall', 1.0)]},
             'sources': [{'name': 'in', 'to': 'firewall',
                          'traffic': {'model': 'caida', 'rate_mpps': 0.6}}],
             'faults': [{'kind': 'burst', 'at_s': 0.002, 'packets': 900,
                         'rate_mpps': 2.5}]}, tmp_path, SLOW)
    ranks = r.ranks()
    assert len(ranks.rank) > 50
    assert (ranks.rank_strict == 1).mean() >= 0.99


def test_fig2_upstream_interrupt_is_blamed_for_flow_a(tmp_path):
    """NAT -> VPN, flow A straight into the VPN; the NAT stalls.  Flow A
    suffers later, at the VPN, and the NAT is named."""
    r = run({'name': 'fig2', 'duration_s': 0.01, 'seed': 2,
             'topology': {'stages': [stage('nat', 1.0, ['vpn']),
                                     stage('vpn', 0.8)]},
             'sources': [{'name': 'caida', 'to': 'nat',
                          'traffic': {'model': 'caida', 'rate_mpps': 0.5}},
                         {'name': 'flowA', 'to': 'vpn', 'traffic': FLOW_A}],
             'faults': [{'kind': 'interrupt', 'at_s': 0.002, 'nf': 'nat1',
                         'duration_us': 800}]}, tmp_path, SLOW)
    tr = r.em.traffic
    a_rows = np.flatnonzero((tr.source == 1) & (r.truth['victim_fault'] == 0))
    causes = r.causes_of_rows(a_rows)
    assert len(causes) > 10
    top = [c[0] for c in causes if c]
    assert np.mean([c['kind'] == 'nf' and c['nf'] == 'nat1' for c in top]) >= 0.95
    assert (r.ranks().rank == 1).mean() >= 0.95


def test_fig3_the_bigger_upstream_interrupt_scores_higher(tmp_path):
    """NAT (0.25 Mpps) and Monitor (0.05 Mpps) both feed the VPN and both
    stall; the NAT's stall pushes more packets, so it scores higher for
    flow A's victims at the VPN."""
    r = run({'name': 'fig3', 'duration_s': 0.006, 'seed': 3,
             'topology': {'stages': [stage('nat', 1.0, ['vpn']),
                                     stage('monitor', 1.0, ['vpn']),
                                     stage('vpn', 0.45)]},
             'sources': [{'name': 's1', 'to': 'nat',
                          'traffic': {'model': 'caida', 'rate_mpps': 0.25}},
                         {'name': 's2', 'to': 'monitor',
                          'traffic': {'model': 'caida', 'rate_mpps': 0.05}},
                         {'name': 'flowA', 'to': 'vpn', 'traffic': FLOW_A}],
             'faults': [{'kind': 'interrupt', 'at_s': 0.0015, 'nf': 'nat1',
                         'duration_us': 600},
                        {'kind': 'interrupt', 'at_s': 0.0016, 'nf': 'monitor1',
                         'duration_us': 600}]},
            tmp_path, SLOW, counterfactual=False)
    res = r.result
    V = res.victims
    C = res.causes()
    vpn = res.names.index('vpn1')
    a_pkts = set(np.flatnonzero(r.trace.pkt_entry == res.names.index('flowA')))
    nat = mon = 0.0
    hits = 0
    for i in range(len(C.score)):
        v = C.victim[i]
        if V.nf[v] == vpn and int(V.pkt[v]) in a_pkts:
            hits += 1
            if C.culprit[i] == res.names.index('nat1'):
                nat += C.score[i]
            if C.culprit[i] == res.names.index('monitor1'):
                mon += C.score[i]
    assert hits > 0
    assert nat > 2 * mon > 0


def test_fig8_firewall_bug_propagates_to_the_vpn(tmp_path):
    """§1 / Fig. 8: a firewall processes some flows slowly; the VPN behind
    it sees the queue's output as a burst.  The firewall is named, with
    the trigger flow among the culprit flows."""
    r = run({'name': 'fig8', 'duration_s': 0.012, 'seed': 8,
             'topology': {'stages': [stage('firewall', 1.2, ['vpn']),
                                     stage('vpn', 0.6)]},
             'sources': [{'name': 'in', 'to': 'firewall',
                          'traffic': {'model': 'caida', 'rate_mpps': 0.45}}],
             'faults': [{'kind': 'bug', 'at_s': 0.003, 'nf': 'firewall1',
                         'packets': 120, 'trigger_rate_mpps': 0.1}]}, tmp_path,
            SLOW)
    at_vpn = causes_at(r, 'vpn1', 0)
    assert len(at_vpn) > 10
    assert np.mean([c == ('firewall1', 1) for c in at_vpn]) >= 0.9
    ranks = r.ranks()
    assert (ranks.rank_strict == 1).mean() >= 0.8
