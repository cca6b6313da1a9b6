"""Emulator invariants, the paper's Fig. 1/2 scenarios, records vs truth."""
import numpy as np
import pytest

from microscope_plugin import emulator
from microscope_plugin.emulator.run import EPOCH_NS, emulate, service_times
from microscope_plugin.emulator.truth import attribute, attribute_windowed
from microscope_plugin.trace import read_records
from microscope_plugin.trace import format as fmt
from tests.unit.emulator import scenarios

CHAIN_FAULTS = scenarios.CHAIN['faults']


@pytest.fixture(scope='module')
def chain_run():
    return emulate(scenarios.chain())


def _nf_cells(em, k):
    rows, hops = np.nonzero(em.path == k)
    arr = em.arr[rows, hops]
    ok = ~np.isnan(arr)
    return rows[ok], hops[ok], arr[ok]


def test_fifo_conservation_and_bursts(chain_run):
    em = chain_run
    sc = em.scenario
    for k, inst in enumerate(sc.instances):
        rows, hops, arr = _nf_cells(em, k)
        read = em.read[rows, hops]
        nb = em.nf[inst.name]
        # conservation: every arrival is read or dropped, nothing stays queued
        assert np.isnan(read).sum() == nb.dropped
        assert len(nb.rx_seq) + nb.dropped == len(rows)
        assert nb.rx_n.sum() == len(nb.rx_seq)
        # FIFO: reads happen in arrival order
        order = np.lexsort((rows, arr))
        r_in_arrival_order = read[order][~np.isnan(read[order])]
        assert np.all(np.diff(r_in_arrival_order) >= 0)
        np.testing.assert_array_equal(
            nb.rx_seq, rows[order][~np.isnan(read[order])])
        # bursts: at most max_burst, and below it only when the queue drained
        assert nb.rx_n.max() <= sc.max_burst
        accepted = np.sort(arr[~np.isnan(read)])
        arrived_by = np.searchsorted(accepted, nb.rx_t, side='right')
        read_by = np.cumsum(nb.rx_n)
        assert np.all(arrived_by >= read_by)
        short = nb.rx_n < sc.max_burst
        assert np.all(arrived_by[short] == read_by[short])
        full = ~short
        assert np.all(arrived_by[full] >= read_by[full])


def test_latency_at_least_service_time(chain_run):
    em = chain_run
    for k, inst in enumerate(em.scenario.instances):
        rows, hops, arr = _nf_cells(em, k)
        dep = em.dep[rows, hops]
        ok = ~np.isnan(dep)
        svc = service_times(em.scenario, inst, em.traffic.key[rows[ok]], k,
                            None, 0.0)
        bug = [f for f in em.faults if f.kind == 'bug' and f.nf == inst.name]
        if bug:
            tr = em.traffic
            m = bug[0].match.mask(tr.src[rows[ok]], tr.dst[rows[ok]],
                                  tr.sport[rows[ok]], tr.dport[rows[ok]],
                                  tr.proto[rows[ok]])
            svc = np.where(m, 1e9 / bug[0].slow_rate_pps, svc)
        assert np.all(dep[ok] - arr[ok] >= svc - 1e-6)
        assert np.all(em.read[rows, hops][ok] >= arr[ok])


def test_routing_rules_and_paths(chain_run):
    em = chain_run
    names = em.instances
    mon = names.index('mon1')
    tr = em.traffic
    through_mon = (em.path == mon).any(axis=1)
    np.testing.assert_array_equal(through_mon, tr.dport == 53)
    # a flow always takes one path (flow-hash load balancing)
    flows = {}
    for f, p in zip(tr.flow[:5000], map(tuple, em.path[:5000])):
        assert flows.setdefault(f, p) == p


def test_fig1_burst_leaves_a_lasting_queue():
    """§2.1 Fig. 1: a 340 us burst into a busy firewall; the queue takes
    milliseconds to drain, so later packets see long latency."""
    sc = scenarios.single_firewall(rate_mpps=0.85, peak_mpps=1.0, faults=[
        {'kind': 'burst', 'at_s': 0.00057, 'packets': 680, 'rate_mpps': 2.0}])
    em = emulate(sc)
    tr = em.traffic
    lat = em.dep[:, 0] - tr.t_ns
    nat = tr.inj < 0
    burst_end = tr.t_ns[tr.inj == 0].max()
    base = np.median(lat[nat & (tr.t_ns < 500e3)])
    later = nat & (tr.t_ns > burst_end + 1e6) & (tr.t_ns < burst_end + 1.5e6)
    assert later.sum() > 100
    assert np.median(lat[later]) > 20 * base
    # the input queue stays non-empty for milliseconds after the burst
    nb = em.nf['firewall1']
    full_reads = nb.rx_t[nb.rx_n == sc.max_burst]
    assert full_reads.max() > burst_end + 1e6


def test_fig2_interrupt_propagates_to_a_flow_that_never_met_it():
    """§2.1 Fig. 2: NAT -> VPN with flow A straight into the VPN.  The NAT
    stalls in [0.5, 1.3] ms; flow A suffers only after the stall ends."""
    sc = emulator.parse_scenario({
        'name': 'fig2', 'duration_s': 0.004, 'seed': 2,
        'topology': {'link_delay_us': 0.0, 'stages': [
            {'name': 'nat', 'instances': 1, 'peak_rate_mpps': 1.0,
             'next': [{'to': 'vpn'}]},
            {'name': 'vpn', 'instances': 1, 'peak_rate_mpps': 0.8}]},
        'sources': [
            {'name': 'caida', 'to': 'nat',
             'traffic': {'model': 'caida', 'rate_mpps': 0.45}},
            {'name': 'flowA', 'to': 'vpn',
             'traffic': {'model': 'flow', 'rate_mpps': 0.2,
                         'flow': {'src': '10.0.0.1/32', 'dst': '10.0.0.2/32',
                                  'sport': 1234, 'dport': 80,
                                  'proto': 'udp'}}}],
        'faults': [{'kind': 'interrupt', 'at_s': 0.0005, 'nf': 'nat1',
                    'duration_us': 800}]})
    em = emulate(sc)
    tr = em.traffic
    a = tr.source == 1
    vpn_hop = 0
    lat_a = em.dep[a, vpn_hop] - tr.t_ns[a]
    t_a = tr.t_ns[a]
    during = (t_a > 0.6e6) & (t_a < 1.25e6)
    after = (t_a > 1.35e6) & (t_a < 1.8e6)
    before = t_a < 0.45e6
    assert np.median(lat_a[during]) < 2 * np.median(lat_a[before])
    assert np.median(lat_a[after]) > 10 * np.median(lat_a[before])


def test_records_are_what_the_collectors_saw(tmp_path, chain_run):
    em = chain_run
    paths = emulator.write_outputs(em, str(tmp_path), block_packets=4096,
                                   tick_ns=16)
    assert len(paths) == 1 + len(em.instances)
    tap = read_records(tmp_path / 'records' / 'in.msr')
    assert tap.header.role == fmt.ROLE_SOURCE
    np.testing.assert_array_equal(tap.packets.ipid, em.traffic.ipid)
    np.testing.assert_array_equal(tap.packets.src, em.traffic.src)
    np.testing.assert_array_equal(tap.packets.dport, em.traffic.dport)
    t_tap = np.repeat(tap.burst_ns(), tap.bursts.count.astype(np.int64))
    assert np.abs(t_tap - EPOCH_NS - em.traffic.t_ns).max() <= 8
    for name in em.instances:
        rec = read_records(tmp_path / 'records' / (name + '.msr'))
        nb = em.nf[name]
        rx = rec.bursts.direction == fmt.DIR_RX
        np.testing.assert_array_equal(rec.bursts.count[rx], nb.rx_n)
        assert np.abs(rec.burst_ns()[rx] - EPOCH_NS - nb.rx_t).max() <= 8
        d = np.repeat(rec.bursts.direction, rec.bursts.count.astype(np.int64))
        np.testing.assert_array_equal(rec.packets.ipid[d == fmt.DIR_RX],
                                      em.traffic.ipid[nb.rx_seq])
        # every packet read is written out, after it was read
        assert rec.bursts.count[~rx].sum() == nb.rx_n.sum()
        inst = em.scenario.instance(name)
        assert rec.packets.has_tuple.any() == (inst.record_tuples == 'tx')
        assert not rec.packets.has_tuple[d == fmt.DIR_RX].any()


def test_counterfactual_attribution(chain_run):
    em = chain_run
    cf = emulate(em.scenario, with_faults=False)
    truth = attribute(em, cf)
    counts = truth.counts(len(em.faults))
    assert (counts > 20).all(), counts
    tr = em.traffic
    v = truth.victim_fault >= 0
    assert not v[tr.inj >= 0].any()         # injected packets are culprits
    starts = np.array([f.at_ns for f in em.faults])
    assert np.all(tr.t_ns[v] + 5e6 > starts[truth.victim_fault[v]])
    # the windowed counterfactual gives exactly the same attribution
    win = attribute_windowed(em, window_ns=2e6)
    np.testing.assert_array_equal(win.victim_fault, truth.victim_fault)
    np.testing.assert_array_equal(win.victim_hop, truth.victim_hop)
    # with no fault at all, the counterfactual finds no victims
    nothing = attribute(cf, emulate(em.scenario, with_faults=False))
    assert (nothing.victim_fault < 0).all()


def test_same_seed_same_records(tmp_path):
    sc = scenarios.chain(duration_s=0.02, faults=CHAIN_FAULTS[:1])
    a = emulator.write_outputs(emulate(sc), str(tmp_path / 'a'))
    b = emulator.write_outputs(emulate(sc), str(tmp_path / 'b'))
    for x, y in zip(a, b):
        assert open(x, 'rb').read() == open(y, 'rb').read()


def test_pcap_traffic_keeps_its_ipids(tmp_path):
    from microscope_plugin import pcap
    frames, times = [], []
    for i in range(300):
        frames.append(pcap.build_frame(src=0x0A000001 + i % 7, dst=0x0A000100,
                                       sport=1000 + i % 7, dport=80, proto=6,
                                       ipid=(40000 + 3 * i) % 65536))
        times.append(1_000_000_000 + i * 2000)
    frames.insert(50, pcap.build_frame(kind='arp'))
    times.insert(50, 1_000_000_000 + 99_001)
    path = tmp_path / 'in.pcap'
    pcap.write_pcap(str(path), frames, times)
    sc = emulator.parse_scenario({
        'name': 'pcap', 'duration_s': 0.01, 'seed': 1,
        'topology': {'stages': [{'name': 'fw', 'peak_rate_mpps': 1.0}]},
        'sources': [{'name': 'in', 'to': 'fw',
                     'traffic': {'model': 'pcap', 'path': str(path)}}]})
    em = emulate(sc)
    assert len(em.traffic) == 300              # the ARP frame is not IPv4
    np.testing.assert_array_equal(em.traffic.ipid,
                                  (40000 + 3 * np.arange(300)) % 65536)
    np.testing.assert_allclose(em.traffic.t_ns, np.arange(300) * 2000.0)
    bad = emulator.parse_scenario({
        'name': 'pcap', 'duration_s': 0.01,
        'topology': {'stages': [{'name': 'fw', 'peak_rate_mpps': 1.0}]},
        'sources': [{'name': 'in', 'to': 'fw',
                     'traffic': {'model': 'pcap', 'path': str(tmp_path / 'no')}}]})
    with pytest.raises(emulator.ScenarioError) as ei:
        emulate(bad)
    assert ei.value.field == 'sources[0].traffic.path'
