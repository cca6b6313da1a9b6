"""The report model on hand-built inputs: verdicts, Table 2 sums, scope
filters, vendor labels and redaction, escaping, input errors."""
import numpy as np
import pytest

from microscope_plugin import report
from microscope_plugin.aggregation.records import RelationRecords
from microscope_plugin.topology import NF, Topology
from tests import reportlib


def ip(s):
    a, b, c, d = (int(x) for x in s.split('.'))
    return (a << 24) | (b << 16) | (c << 8) | d


TOPO = Topology(nfs=(NF('in', 'source', role='source'),
                     NF('natA1', 'nat', vendor='Alpha'),
                     NF('fwB1', 'firewall', vendor='Bravo'),
                     NF('vpnC1', 'vpn', vendor='Charlie')),
                edges=(('in', 'natA1'), ('natA1', 'fwB1'), ('fwB1', 'vpnC1')),
                name='chain')
IN, NAT, FW, VPN = range(4)
# culprit NF, victim NF, weight, victim time (ns)
ROWS = [(NAT, NAT, 3.0, 1000), (NAT, FW, 3.0, 2000), (IN, FW, 1.0, 3000),
        (IN, VPN, 4.0, 9000)]


def flow(src, sport):
    return {'src': src, 'dst': '20.0.0.1', 'sport': sport, 'dport': 80, 'proto': 6}


def records(rows=ROWS):
    n = len(rows)
    return RelationRecords.build(
        group=np.arange(n), c_dst=np.full(n, 1),
        # NF culprits' flows: 10.0.0.7:777; traffic sources': 10.0.0.8:888
        c_src=[ip('10.0.0.8') if r[0] == IN else ip('10.0.0.7') for r in rows],
        c_sport=[888 if r[0] == IN else 777 for r in rows],
        c_dport=np.full(n, 80), c_proto=np.full(n, 6),
        c_nf=[r[0] for r in rows], v_src=np.full(n, ip('10.0.0.5')),
        v_dst=np.full(n, 1), v_sport=np.arange(n) + 500, v_dport=np.full(n, 80),
        v_proto=np.full(n, 6), v_nf=[r[1] for r in rows],
        weight=[r[2] for r in rows], c_t_ns=[r[3] - 500 for r in rows],
        v_t_ns=[r[3] for r in rows])


VICTIMS = [
    {'id': 0, 'kind': 'latency', 'nf': 'fwB1', 'time_ns': 2000, 'latency_ns': 90000,
     'packet': {'flow': flow('10.0.0.5', 555), 'ipid': 17},
     'causes': [{'rank': 1, 'kind': 'nf', 'nf': 'natA1', 'nf_type': 'nat',
                 'score': 3.0, 'share': 0.75, 'start_ns': 1500, 'end_ns': 1900,
                 'culprit_packets': 40, 'flows': [dict(flow('10.0.0.7', 777),
                                                       packets=40)]}]},
    {'id': 1, 'kind': 'latency', 'nf': 'vpnC1', 'time_ns': 9000, 'latency_ns': 80000,
     'packet': {'flow': flow('10.0.0.9', 999), 'ipid': 18}, 'causes': []},
]
INCIDENTS = [{'start_ns': 1000, 'end_ns': 9000, 'victims': 4, 'victim_packets': 4,
              'victim_nfs': {'fwB1': 2, 'natA1': 1, 'vpnC1': 1}, 'unexplained': 0,
              'causes': [{'kind': 'nf', 'nf': 'natA1', 'nf_type': 'nat',
                          'share_of_victims': 0.5, 'score': 6.0, 'start_ns': 500,
                          'end_ns': 1900,
                          'flows': [dict(flow('10.0.0.7', 777), packets=40)]}]}]
PATTERNS = [{'rank': 1, 'share': 0.5, 'score': 6.0,
             'culprit': {'src': '10.0.0.7/32', 'dst': '*', 'proto': 'tcp',
                         'sport': '777', 'dport': '80', 'nf': 'natA1'},
             'victim': {'src': '10.0.0.5/32', 'dst': '*', 'proto': 'tcp',
                        'sport': '*', 'dport': '80', 'nf': 'fwB1'}}]


def inputs(topology=TOPO):
    return report.ReportInputs(topology=topology, records=records(), patterns=PATTERNS,
                               incidents=INCIDENTS, victims=VICTIMS,
                               summary={'victims': 4}, source='hand-built')


def test_verdicts_and_table2():
    r = report.build_report(inputs())
    v = {x['nf']: x for x in r.verdicts}
    assert [x['nf'] for x in r.verdicts[:2]] == ['natA1', 'in']   # 6/11, then 5/11
    assert v['natA1']['verdict'] == 'culprit'
    assert v['natA1']['caused'] == pytest.approx(6 / 11)
    assert v['natA1']['local'] == pytest.approx(3 / 11)
    assert v['fwB1']['verdict'] == 'victim of upstream'
    assert v['fwB1']['upstream'] == pytest.approx(3 / 11)
    assert v['fwB1']['blamed'][0] == {'nf': 'natA1', 'type': 'nat', 'share': 0.75}
    assert v['vpnC1']['verdict'] == 'victim of traffic'
    m = r.type_matrix
    assert m.total == pytest.approx(11.0)
    assert m.values.sum() == pytest.approx(1.0)
    assert m.cell('nat', 'firewall') == pytest.approx(3 / 11)
    assert m.cell('Traffic sources', 'vpn') == pytest.approx(4 / 11)
    assert r.instance_matrix.rows == ['in', 'natA1']              # culprits only
    assert len(r.time_gaps) == 4 and r.time_gaps.quantile(1.0) == 500
    ev = r.incidents[0]['evidence']
    assert [e['nf'] for e in ev] == ['fwB1', 'vpnC1']              # slowest first


def test_scope_by_time_and_nf():
    r = report.build_report(inputs(), start_ns=0, end_ns=2500)
    assert r.type_matrix.total == pytest.approx(6.0)
    assert r.meta['relation_rows'] == 2
    r = report.build_report(inputs(), nf='vpnC1')
    assert r.type_matrix.total == pytest.approx(4.0)
    assert r.verdicts[0]['nf'] == 'in'


def test_vendor_view_names_others_by_role_and_hides_their_flows():
    r = report.build_report(inputs(), vendor='Bravo')
    names = [x['nf'] for x in r.verdicts]
    assert 'upstream NF 1 (nat)' in names and 'downstream NF 1 (vpn)' in names
    assert r.type_matrix.total == pytest.approx(4.0)      # relations touching fwB1
    assert r.patterns[0]['culprit']['src'] == 'hidden'
    assert r.patterns[0]['victim']['src'] == '10.0.0.5/32'
    text = reportlib.visible_text(report.render_html(r))
    assert reportlib.names_in(text, {'natA1', 'vpnC1', 'Alpha', 'Charlie'}) == []
    for hidden in ('10.0.0.7', '10.0.0.9', ':777', ':999', ' 777 '):
        assert hidden not in text, hidden
    assert '10.0.0.5:555' in text and 'fwB1' in text
    assert '10.0.0.8' in text      # the traffic that hit fwB1 is shown


def test_html_escapes_data():
    topo = Topology(nfs=(NF('in', 'source', role='source'),
                         NF('<script>x</script>', 'nat', vendor='A&B')),
                    edges=(('in', '<script>x</script>'),))
    rows = [(0, 1, 1.0, 10)]
    inp = report.ReportInputs(topology=topo, records=records(rows), patterns=[],
                              incidents=[], victims=[], summary={})
    html = report.render_html(report.build_report(inp))
    assert '<script' not in html
    assert '&lt;script&gt;x&lt;/script&gt;' in html and 'A&amp;B' in html


@pytest.mark.parametrize('kw,field', [
    ({'vendor': 'Nobody'}, 'vendor'), ({'nf': 'nat9'}, 'nf'),
    ({'vendor': 'Bravo', 'nf': 'natA1'}, 'nf'),
    ({'start_ns': 5, 'end_ns': 5}, 'end_ns')])
def test_bad_scope_names_the_field(kw, field):
    with pytest.raises(report.ReportInputError) as e:
        report.build_report(inputs(), **kw)
    assert str(e.value).startswith(field + ':')


def test_relations_outside_the_topology_are_rejected():
    rec = records([(0, 7, 1.0, 10)])
    with pytest.raises(report.ReportInputError, match='relations: .*v_nf'):
        report.ReportInputs(topology=TOPO, records=rec, patterns=[], incidents=[],
                            victims=[], summary={})


def test_run_dir_errors(tmp_path):
    with pytest.raises(report.ReportInputError, match='not a directory'):
        report.from_run_dir(str(tmp_path / 'nope'))
    (tmp_path / 'topology.json').write_text(TOPO.dumps())
    with pytest.raises(report.ReportInputError, match='diagnosis.json: missing'):
        report.from_run_dir(str(tmp_path))
    (tmp_path / 'diagnosis.json').write_text('{"summary": ')
    with pytest.raises(report.ReportInputError, match='not JSON'):
        report.from_run_dir(str(tmp_path))


def test_evidence_spreads_over_the_nfs_hit():
    from microscope_plugin.report.evidence import spread
    groups = ['a', 'a', 'a', 'b', 'c', 'b']
    assert spread(range(6), groups, 4) == [0, 3, 4, 1]
    assert spread(range(6), groups, 10) == [0, 3, 4, 1, 5, 2]
    assert spread([], [], 3) == []
