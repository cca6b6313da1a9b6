"""Scaling hint rules on hand-built evidence whose right answer is known."""
import pytest

from microscope_plugin.integrations import hints

W = 10_000_000   # 10 ms windows


def nf(type_, peak, rates_pps):
    return {'type': type_, 'peak_pps': peak, 'window_ns': W,
            'counts': [int(r * W / 1e9) for r in rates_pps]}


def by_action(hs):
    return {(h['action'], h['nf']): h for h in hs}


def test_sustained_input_above_peak_scales_out_by_k():
    # 2 firewalls of 100 kpps get 300 kpps in 8 of 10 windows: capacity
    # 200 kpps; p90 300 kpps needs 3 instances: one more
    prof = {'fw1': nf('firewall', 1e5, [150e3] * 8 + [50e3] * 2),
            'fw2': nf('firewall', 1e5, [150e3] * 8 + [50e3] * 2)}
    hs = hints.derive(prof, {'fw1': (40, 2), 'fw2': (38, 0)})
    h = by_action(hs)[('SCALE_OUT', 'firewall')]
    assert h['detail']['k'] == 1 and h['score'] == 0.8
    assert h['detail']['windows_above_capacity'] == 8
    assert h['detail']['capacity_pps'] == 2e5
    assert len(hs) == 1


def test_k_grows_with_the_overload():
    prof = {'nat1': nf('nat', 1e5, [450e3] * 10)}
    (h,) = hints.derive(prof, {})
    assert h['action'] == 'SCALE_OUT' and h['detail']['k'] == 4


def test_short_burst_is_not_sustained():
    prof = {'fw1': nf('firewall', 1e5, [300e3] + [60e3] * 9),
            'fw2': nf('firewall', 1e5, [300e3] + [60e3] * 9)}
    assert not [h for h in hints.derive(prof, {'fw1': (10, 0)})
                if h['action'] == 'SCALE_OUT']


def test_local_slowness_of_one_instance_heals_it_not_scale():
    # fw2's victims blame fw2's own processing; input is moderate
    prof = {'fw1': nf('firewall', 1e5, [60e3] * 10),
            'fw2': nf('firewall', 1e5, [60e3] * 10)}
    hs = hints.derive(prof, {'fw1': (3, 0), 'fw2': (30, 27)})
    assert [(h['action'], h['nf']) for h in hs] == [('HEAL', 'fw2')]
    assert hs[0]['detail']['instance'] == 'fw2'
    assert hs[0]['score'] == 0.9


def test_local_blame_under_overload_is_not_heal():
    prof = {'vpn1': nf('vpn', 1e5, [150e3] * 10)}
    hs = hints.derive(prof, {'vpn1': (30, 30)})
    assert [h['action'] for h in hs] == ['SCALE_OUT']


def test_few_local_victims_are_not_enough_to_heal():
    prof = {'fw1': nf('firewall', 1e5, [60e3] * 10)}
    assert hints.derive(prof, {'fw1': (4, 4)}) == []


def test_idle_type_scales_in():
    # 4 NATs of 100 kpps see at most 50 kpps together: one at 30 % would
    # not do (50/30 -> 2 needed), so 2 fewer
    prof = {'nat%d' % i: nf('nat', 1e5, [12.5e3] * 10) for i in range(4)}
    (h,) = hints.derive(prof, {})
    assert h['action'] == 'SCALE_IN' and h['nf'] == 'nat'
    assert h['detail']['k'] == 2


def test_single_instance_or_busy_type_does_not_scale_in():
    assert hints.derive({'m1': nf('monitor', 1e5, [1e3] * 10)}, {}) == []
    prof = {'nat%d' % i: nf('nat', 1e5, [50e3] * 10) for i in range(2)}
    assert hints.derive(prof, {}) == []


def test_victims_blaming_input_block_scale_in():
    prof = {'nat%d' % i: nf('nat', 1e5, [5e3] * 10) for i in range(3)}
    assert hints.derive(prof, {'nat0': (20, 0)}) == []


def test_unknown_peak_rate_gives_no_hint():
    prof = {'fw1': dict(nf('firewall', 1e5, [300e3] * 10), peak_pps=None)}
    assert hints.derive(prof, {}) == []


@pytest.mark.parametrize('aspects,expected', [({}, 'firewall'),
                                              ({'firewall': 'fw_aspect'},
                                               'fw_aspect')])
def test_aspect_id(aspects, expected):
    prof = {'fw1': nf('firewall', 1e5, [300e3] * 10)}
    (h,) = hints.derive(prof, {}, hints.HintRules(aspects=aspects))
    assert h['detail']['aspect_id'] == expected
