"""Small scenarios for the emulator tests (hand-checkable)."""
import copy

from microscope_plugin.emulator import parse_scenario

CHAIN = {
    'name': 'chain',
    'duration_s': 0.05,
    'seed': 3,
    'topology': {
        'queue_capacity': 1024, 'max_burst': 32, 'link_delay_us': 1.0,
        'poll_us': 0.05,
        'stages': [
            {'name': 'nat', 'type': 'nat', 'instances': 2,
             'peak_rate_mpps': 0.8, 'jitter': 0.1, 'vendor': 'A',
             'next': [{'to': 'fw'}]},
            {'name': 'fw', 'type': 'firewall', 'instances': 2,
             'peak_rate_mpps': 0.6, 'jitter': 0.2, 'vendor': 'B',
             'next': [{'match': {'dport': [53]}, 'to': 'mon'}, {'to': 'vpn'}]},
            {'name': 'mon', 'type': 'monitor', 'instances': 1,
             'peak_rate_mpps': 0.5, 'next': [{'to': 'vpn'}]},
            {'name': 'vpn', 'type': 'vpn', 'instances': 1,
             'peak_rate_mpps': 1.5, 'jitter': 0.1, 'record_tuples': 'tx'},
        ]},
    'sources': [{'name': 'in', 'to': 'nat',
                 'traffic': {'model': 'caida', 'rate_mpps': 0.6}}],
    'noise': {'stalls_per_s': 200, 'stall_us': [2, 20]},
    'faults': [
        {'kind': 'burst', 'at_s': 0.010, 'packets': 1500, 'rate_mpps': 3.0},
        {'kind': 'interrupt', 'at_s': 0.025, 'nf': 'fw1', 'duration_us': 700},
        {'kind': 'bug', 'at_s': 0.040, 'nf': 'fw2', 'packets': 80},
    ],
}


def chain(**changes):
    raw = copy.deepcopy(CHAIN)
    raw.update(changes)
    return parse_scenario(raw)


def single_firewall(rate_mpps, peak_mpps, faults, duration_s=0.012, seed=5):
    """Fig. 1: traffic straight into one firewall."""
    return parse_scenario({
        'name': 'fig1', 'duration_s': duration_s, 'seed': seed,
        'topology': {'link_delay_us': 0.0, 'stages': [
            {'name': 'firewall', 'instances': 1, 'peak_rate_mpps': peak_mpps,
             'jitter': 0.05}]},
        'sources': [{'name': 'in', 'to': 'firewall',
                     'traffic': {'model': 'caida', 'rate_mpps': rate_mpps}}],
        'faults': faults})
