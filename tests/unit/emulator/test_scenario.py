"""Bad scenario files get an error naming the field."""
import copy

import pytest

from microscope_plugin.emulator import ScenarioError, load_scenario, parse_scenario
from microscope_plugin.emulator.run import emulate
from tests.unit.emulator.scenarios import CHAIN


def bad(mutate):
    raw = copy.deepcopy(CHAIN)
    mutate(raw)
    return raw


@pytest.mark.parametrize('mutate,field,text', [
    (lambda r: r['topology']['stages'][3].update(next=[{'to': 'nat'}]),
     'topology.stages', 'cycle'),
    (lambda r: r['topology']['stages'][0].update(next=[{'to': 'fwx'}]),
     'topology.stages[0].next[0].to', "unknown stage 'fwx'"),
    (lambda r: r['topology']['stages'][1].update(peak_rate_mpps=-1),
     'topology.stages[1].peak_rate_mpps', 'must be >'),
    (lambda r: r['topology']['stages'][1].update(peak_rate_mpps='fast'),
     'topology.stages[1].peak_rate_mpps', 'expected a number'),
    (lambda r: r['topology']['stages'][2].update(instances=0),
     'topology.stages[2].instances', 'must be >= 1'),
    (lambda r: r['topology']['stages'][2].update(colour='red'),
     'topology.stages[2]', 'unknown field(s): colour'),
    (lambda r: r['topology']['stages'][1]['next'][0].update(match={'dport': '9-1'}),
     'topology.stages[1].next[0].match.dport', 'reversed'),
    (lambda r: r['topology']['stages'][1]['next'][0].update(match={'src': '1.2.3/99'}),
     'topology.stages[1].next[0].match.src', 'not an IPv4 prefix'),
    (lambda r: r['topology']['stages'][3].update(record_tuples='both'),
     'topology.stages[3].record_tuples', 'expected none, rx or tx'),
    (lambda r: r['sources'][0].update(to='nowhere'), 'sources[0].to',
     "unknown stage 'nowhere'"),
    (lambda r: r.update(sources=[]), 'sources', 'at least one'),
    (lambda r: r['topology'].update(max_burst=0), 'topology.max_burst', '>= 1'),
    (lambda r: r.update(duration_s=0), '.duration_s', 'must be >'),
])
def test_parse_errors_name_the_field(mutate, field, text):
    with pytest.raises(ScenarioError) as ei:
        parse_scenario(bad(mutate))
    assert ei.value.field == field
    assert text in str(ei.value)


@pytest.mark.parametrize('fault,field,text', [
    ({'kind': 'interrupt', 'at_s': 0.01, 'nf': 'nat9', 'duration_us': 5},
     'faults[0].nf', "unknown NF 'nat9'"),
    ({'kind': 'quake', 'at_s': 0.01}, 'faults[0].kind', 'expected burst'),
    ({'kind': 'burst', 'at_s': 0.01}, 'faults[0].packets', 'missing'),
    ({'kind': 'burst', 'at_s': 9.0, 'packets': 5}, 'faults[0].at_s',
     'after the end'),
    ({'kind': 'bug', 'at_s': 0.01, 'nf': 'fw1', 'match': {'sport': 'x'}},
     'faults[0].match.sport', 'lo-hi'),
])
def test_fault_errors_name_the_field(fault, field, text):
    sc = parse_scenario(bad(lambda r: r.update(faults=[fault])))
    with pytest.raises(ScenarioError) as ei:
        emulate(sc)
    assert ei.value.field == field and text in str(ei.value)


def test_presets_and_files(tmp_path):
    sc = load_scenario('paper16')
    assert len(sc.instances) == 16
    types = [i.type for i in sc.instances]
    assert types.count('nat') == 4 and types.count('firewall') == 5
    topo = sc.topology()
    assert len(topo.sources()) == 1 and len(topo.instances()) == 16
    assert set(topo.upstream('vpn1')) == {'firewall%d' % i for i in range(1, 6)} | {'monitor1'}
    p = tmp_path / 's.yaml'
    p.write_text('topology: [unclosed')
    with pytest.raises(ScenarioError, match='not valid YAML'):
        load_scenario(str(p))
    with pytest.raises(ScenarioError, match='no scenario file or preset'):
        load_scenario('no-such-preset')
