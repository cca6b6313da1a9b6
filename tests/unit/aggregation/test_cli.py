"""``microscope patterns`` and the demo's patterns section."""
import json

import pytest

from microscope_plugin import emulator
from microscope_plugin.aggregation import RelationRecords
from microscope_plugin.aggregation.synthetic import synthetic_relations
from microscope_plugin.cli import demo
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


def test_demo_prints_patterns_when_the_run_has_relations(small):
    rec, _, _ = small
    sc = emulator.load_scenario('paper16')
    assert 'none' in demo.patterns_section({}, sc)
    text = demo.patterns_section({'relations': rec}, sc)
    assert 'Causal patterns:' in text and 'firewall2' in text
    assert isinstance(rec, RelationRecords)
