"""``microscope patterns``, and patterns from a real diagnosis."""
import json

import pytest

from microscope_plugin.aggregation import RelationRecords
from microscope_plugin.aggregation.synthetic import synthetic_relations
from microscope_plugin.cli.main import main


@pytest.fixture(scope='module')
def small():
    return synthetic_relations(relations=600, seed=3)


def test_patterns_from_a_file(tmp_path, capsys, small):
    rec, cat, _ = small
    path = tmp_path / 'rel.npz'
    rec.save(path, cat)
    png = tmp_path / 'gap.png'
    assert main(['patterns', str(path), '--top', '3', '--threshold', '0.05',
                 '--gap-plot', str(png)]) == 0
    out = capsys.readouterr().out
    assert 'Causal patterns:' in out and 'Top 3' in out
    assert 'Traffic sources' in out and 'time gap over 600 relations' in out
    assert png.read_bytes()[:4] == b'\x89PNG'


def test_patterns_json_and_bug_flows(tmp_path, capsys, small):
    rec, cat, _ = small
    path = tmp_path / 'rel.npz'
    rec.save(path, cat)
    assert main(['patterns', str(path), '--json', '--top', '2', '--static-ports']) == 0
    d = json.loads(capsys.readouterr().out)
    assert len(d['patterns']) == 2 and d['params']['adaptive_ports'] is False
    assert main(['patterns', str(path), '--bug-flows']) == 0
    out = capsys.readouterr().out
    assert 'static' in out and 'adaptive' in out and '100.0.0.1/32' in out


def test_patterns_user_errors(tmp_path, capsys, small):
    rec, cat, _ = small
    assert main(['patterns', str(tmp_path / 'missing.npz')]) == 2
    assert 'error' in capsys.readouterr().err
    path = tmp_path / 'nocat.npz'
    rec.save(path)
    assert main(['patterns', str(path)]) == 2
    assert 'has no NF catalog' in capsys.readouterr().err
    assert main(['patterns', str(path), '--threshold', '2']) == 2
    assert 'AggregationParams.threshold' in capsys.readouterr().err
    assert main(['patterns']) == 2


def test_candidate_guard_is_a_user_error(tmp_path, capsys, small, monkeypatch):
    rec, cat, _ = small
    path = tmp_path / 'rel.npz'
    rec.save(path, cat)
    from microscope_plugin.aggregation import AggregationParams
    from microscope_plugin.cli import patterns as cli_patterns
    monkeypatch.setattr(cli_patterns, 'params_from_conf',
                        lambda args=None: AggregationParams(max_clusters=5))
    assert main(['patterns', str(path)]) == 2
    assert 'raise the threshold' in capsys.readouterr().err


def test_a_diagnosis_aggregates_into_patterns_naming_the_burst(tmp_path):
    """Engine relations -> RelationRecords -> patterns: the injected burst
    flow is the top culprit pattern, at the source."""
    from microscope_plugin.cli.diagnose import render_patterns, run_patterns
    from microscope_plugin.diagnosis import DiagnosisParams, VictimCriteria
    from tests.unit.diagnosis.helpers import run, stage
    r = run({'name': 'fig1', 'duration_s': 0.01, 'seed': 4,
             'topology': {'stages': [stage('firewall', 1.0)]},
             'sources': [{'name': 'in', 'to': 'firewall',
                          'traffic': {'model': 'caida', 'rate_mpps': 0.6}}],
             'faults': [{'kind': 'burst', 'at_s': 0.002, 'packets': 900,
                         'rate_mpps': 2.5}]}, tmp_path,
            DiagnosisParams(victims=VictimCriteria(latency_threshold_ns=60_000)))
    records, result = run_patterns(r.result)
    assert isinstance(records, RelationRecords) and len(records)
    top = result.patterns[0].to_dict()
    burst = r.truth_json['faults'][0]['flow']
    assert top['culprit']['nf'] == 'in'
    assert top['culprit']['src'] == burst['src'] + '/32'
    text = render_patterns(r.result, (records, result))
    assert 'Causal patterns:' in text
