"""Degenerate traces give clear results, and IPID collisions still link."""
import glob
import os

import numpy as np
import pytest

from microscope_plugin.diagnosis import DiagnosisParams, diagnose
from microscope_plugin.emulator import parse_scenario, write_outputs
from microscope_plugin.emulator.run import emulate
from microscope_plugin.topology import NF, Topology
from microscope_plugin.trace import (Bursts, FileHeader, Packets,
                                     read_records, write_records)
from microscope_plugin.trace import format as fmt
from microscope_plugin.trace.linking import AMBIGUOUS, BY_ORDER
from microscope_plugin.trace.reconstruct import TraceError, reconstruct

TOPO = Topology(nfs=(NF('src', 'source', role='source'),
                     NF('fw', 'firewall', peak_rate_pps=1e6)),
                edges=(('src', 'fw'),))


def records(tmp_path, name, role, bursts):
    """bursts: list of (t_ns, direction, ipids)."""
    nb = len(bursts)
    count = np.array([len(b[2]) for b in bursts], dtype=np.uint32)
    b = Bursts(tsc=np.array([x[0] for x in bursts], dtype=np.uint64),
               port=np.zeros(nb, np.uint16), queue=np.zeros(nb, np.uint16),
               direction=np.array([x[1] for x in bursts], dtype=np.uint8),
               count=count,
               max_pkts=np.array([32 if x[1] == fmt.DIR_RX else 0 for x in bursts],
                                 dtype=np.uint32))
    p = Packets.zeros(int(count.sum()))
    p.ipid = np.concatenate([np.asarray(x[2], np.uint16) for x in bursts]) \
        if nb else np.zeros(0, np.uint16)
    p.ipv4[:] = True
    path = os.path.join(str(tmp_path), name + '.msr')
    write_records(path, FileHeader(name, role=role), b, p)
    return read_records(path)


def test_empty_trace_has_no_victims(tmp_path):
    tr = reconstruct(TOPO, [records(tmp_path, 'src', fmt.ROLE_SOURCE, []),
                            records(tmp_path, 'fw', fmt.ROLE_NF, [])])
    res = diagnose(tr, DiagnosisParams())
    assert len(res.victims) == 0 and res.n_relations == 0
    assert res.summary()['victims'] == 0
    assert res.to_json()['victims'] == []


def test_single_packet(tmp_path):
    tr = reconstruct(TOPO, [
        records(tmp_path, 'src', fmt.ROLE_SOURCE, [(1000, fmt.DIR_TX, [7])]),
        records(tmp_path, 'fw', fmt.ROLE_NF, [(3000, fmt.DIR_RX, [7]),
                                              (4000, fmt.DIR_TX, [7])])])
    assert tr.n_packets == 1 and tr.summary()['linked'] == 1
    res = diagnose(tr, DiagnosisParams())
    # the only packet is its own 99th percentile, but found an empty queue
    assert len(res.victims) == 1
    assert res.victim_json(0)['causes'] == []


def test_all_packets_lost(tmp_path):
    tr = reconstruct(TOPO, [
        records(tmp_path, 'src', fmt.ROLE_SOURCE,
                [(1000 + 10 * i, fmt.DIR_TX, [i]) for i in range(50)]),
        records(tmp_path, 'fw', fmt.ROLE_NF, [])])
    assert (tr.hop_read < 0).sum() == 50
    res = diagnose(tr, DiagnosisParams())
    kinds = {res.victim_json(v)['kind'] for v in range(len(res.victims))}
    assert kinds == {'loss'} and len(res.victims) == 50


def test_records_not_in_topology_are_refused(tmp_path):
    with pytest.raises(TraceError, match="NF 'vpn'"):
        reconstruct(TOPO, [records(tmp_path, 'vpn', fmt.ROLE_NF, [])])


def test_forced_ipid_collisions_are_resolved_by_order(tmp_path):
    """Every source host sends IPIDs from a tiny space: most IPIDs collide
    inside the arrival windows; FIFO order still links nearly all."""
    sc = parse_scenario({
        'name': 'collide', 'duration_s': 0.02, 'seed': 6,
        'topology': {'stages': [
            {'name': 'nat', 'instances': 2, 'peak_rate_mpps': 0.8,
             'next': [{'to': 'fw'}]},
            {'name': 'fw', 'instances': 1, 'peak_rate_mpps': 1.0}]},
        'sources': [{'name': 'in', 'to': 'nat',
                     'traffic': {'model': 'caida', 'rate_mpps': 0.6}}],
        'faults': [{'kind': 'interrupt', 'at_s': 0.005, 'nf': 'nat1',
                    'duration_us': 600}]})
    em = emulate(sc)
    em.traffic.ipid = (em.traffic.ipid % 64).astype(np.uint16)
    write_outputs(em, str(tmp_path))
    paths = sorted(glob.glob(os.path.join(str(tmp_path), 'records', '*.msr')))
    tr = reconstruct(sc.topology(), [read_records(p) for p in paths])
    st = tr.summary()
    assert st['ambiguous'] + sum(s['by_order'] for s in st['per_nf'].values()) > 100
    # check every link against the emulator's truth
    ok = total = 0
    for v in tr.views:
        if v is None or v.rx_up is None:
            continue
        rows = em.record_rows[v.name][~v.order_is_tx]
        for u in tr.views:
            if u is None:
                continue
            k = tr.topology.names.index(u.name)
            sel = (v.rx_up >= tr.tx_offsets[k]) & (v.rx_up < tr.tx_offsets[k + 1])
            urows = em.record_rows[u.name][u.order_is_tx]
            ok += (urows[v.rx_up[sel] - tr.tx_offsets[k]] == rows[sel]).sum()
        total += len(rows)
    # 64 IPIDs instead of 65536: 1000 times the natural collision rate
    assert ok / total >= 0.97, (ok, total, st)
    assert AMBIGUOUS != BY_ORDER
