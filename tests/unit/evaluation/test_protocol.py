"""The §6.2 protocol end to end on a short paper16 run, the report, the
figures and ``microscope evaluate``."""
import importlib.util
import io
import json
import os

import numpy as np
import pytest

from microscope_plugin.evaluation import accuracy, protocol, report, sweeps

HAVE_MPL = importlib.util.find_spec('matplotlib') is not None
SHORT = protocol.ProtocolConfig(duration_s=0.4, seed=2, bursts=1, interrupts=1,
                                bugs=1, gap_ms=100)


@pytest.fixture(scope='module')
def short_eval(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('eval'))
    rep = report.evaluate_all(SHORT, out, window_sweep=True,
                              windows_ms=(5, 10), plots=HAVE_MPL)
    return out, rep


def test_protocol_config_builds_the_paper_fault_mix():
    sc = protocol.ProtocolConfig().scenario()
    assert sc.name == 'paper16' and sc.duration_s == 5.0
    rf = sc.random_faults
    assert (rf['bursts'], rf['interrupts'], rf['bugs']) == (5, 5, 5)
    assert rf['burst_packets'] == [500, 2500]
    assert rf['interrupt_us'] == [500.0, 1000.0]
    assert rf['bug_packets'] == [50, 150]
    with pytest.raises(ValueError):
        protocol.ProtocolConfig(bursts=0, interrupts=0, bugs=0)


def test_table_structure_and_microscope_beats_netmedic(short_eval):
    out, rep = short_eval
    ev = rep['_evaluation']
    acc = rep['accuracy']
    assert set(acc) == {'microscope', 'netmedic'}
    assert set(acc['microscope']) == {'component', 'strict'}
    for table in (acc['microscope']['component'], acc['microscope']['strict'],
                  acc['netmedic']['component']):
        assert set(table) == {'all', 'burst', 'interrupt', 'bug'}
        assert table['all']['victims'] > 0
        for row in table.values():
            if row['victims']:
                assert set(row) == {'victims', 'rank1', 'rank2', 'rank5'}
                assert 0 <= row['rank1'] <= row['rank2'] <= row['rank5'] <= 1
    # both diagnosers were scored on the same victim packets
    assert np.array_equal(ev.ranks['microscope'].pkt, ev.ranks['netmedic'].pkt)
    m1 = acc['microscope']['component']['all']['rank1']
    n1 = acc['netmedic']['component']['all']['rank1']
    assert m1 > n1
    assert m1 >= 0.9


def test_report_sweeps_figures_and_json(short_eval):
    out, rep = short_eval
    assert sorted(rep['window_sweep']) == [5, 10]
    assert rep['hops'] and all('netmedic' in row for row in rep['hops'].values())
    assert len(rep['figures']) == (4 if HAVE_MPL else 0)
    for path in rep['figures'].values():
        assert os.path.getsize(path) > 1000 and path.endswith('.png')
    with open(os.path.join(out, 'evaluation.json')) as fh:
        saved = json.load(fh)
    assert saved['accuracy']['netmedic']['component']['all']['victims'] > 0
    text = report.render(rep)
    assert 'Microscope (culprit + flows)' in text and 'NetMedic window sweep' in text


def test_emulation_is_reused_when_the_configuration_matches(short_eval):
    out, _ = short_eval
    said = []
    protocol.emulate(SHORT, os.path.join(out, 'run'), lambda *a: said.append(a))
    assert said and said[0][1].startswith('reusing')


def test_sweep_configs_fix_one_fault_size():
    c = sweeps.sweep_config(protocol.ProtocolConfig(), 'burst', 3000, per_point=4)
    assert (c.bursts, c.interrupts, c.bugs) == (4, 0, 0)
    assert c.burst_packets == (3000, 3000)
    assert c.duration_s == pytest.approx(0.2 + 4 * 0.3 + 0.1)
    c = sweeps.sweep_config(protocol.ProtocolConfig(), 'interrupt', 300)
    assert (c.bursts, c.interrupts, c.interrupt_us) == (0, 5, (300.0, 300.0))


def test_ties_count_against_the_culprit():
    """Packet 0: culprit (hit) ties with another cause -> rank 2.
    Packet 1: culprit strictly first -> 1.  Packet 2: no hit."""
    owner = np.array([0, 0, 0, 1, 1, 2])
    score = np.array([2.0, 2.0, 1.0, 3.0, 1.0, 5.0])
    hit = np.array([False, True, False, True, False, False])
    r = accuracy._rank_core(3, owner, score, hit)
    assert r.tolist() == [2, 1, accuracy.NOT_FOUND]


def test_cli_evaluate(short_eval, tmp_path):
    from microscope_plugin.cli.main import MicroscopeApp
    out, _ = short_eval
    app = MicroscopeApp()
    app.stdout = io.StringIO()
    app.stderr = io.StringIO()
    rc = app.run(['evaluate', '--out', out, '--duration', '0.4', '--seed', '2',
                  '--bursts', '1', '--interrupts', '1', '--bugs', '1',
                  '--gap-ms', '100', '--windows', '10', '--no-plots'])
    assert rc == 0, app.stderr.getvalue()
    text = app.stdout.getvalue()
    assert 'NetMedic (culprit NF/src)' in text and 'window sweep' in text
    app = MicroscopeApp()
    app.stdout, app.stderr = io.StringIO(), io.StringIO()
    assert app.run(['evaluate', '--bursts', '0', '--interrupts', '0', '--bugs',
                    '0', '--out', str(tmp_path)]) == 2
    assert 'at least one fault' in app.stderr.getvalue()
