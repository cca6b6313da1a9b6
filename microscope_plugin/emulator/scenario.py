"""Scenario files for the emulator: topology, traffic sources, noise, faults.

A scenario is YAML or JSON (docs/emulator.md).  :func:`load_scenario`
validates it and raises :class:`ScenarioError` naming the offending field,
e.g. ``topology.stages[1].next[0].to: unknown stage 'fw'``.
"""
import dataclasses
import importlib.resources
import os

import yaml

from microscope_plugin import topology as topo
from microscope_plugin.emulator.match import FlowMatch


class ScenarioError(ValueError):
    def __init__(self, field, message):
        self.field = field
        super().__init__('%s: %s' % (field, message) if field else message)


@dataclasses.dataclass(frozen=True)
class Instance:
    name: str
    stage: str
    type: str
    vendor: str
    host: str
    peak_rate_pps: float
    jitter: float
    record_tuples: str      # 'none' | 'rx' | 'tx'


@dataclasses.dataclass(frozen=True)
class Rule:
    match: FlowMatch        # None = always
    to: str                 # stage name


@dataclasses.dataclass(frozen=True)
class Stage:
    name: str
    type: str
    instances: tuple        # instance names
    next: tuple             # Rules, first match wins; () = egress


@dataclasses.dataclass(frozen=True)
class Source:
    name: str
    to: str                 # stage name
    tap: bool
    traffic: dict


@dataclasses.dataclass(frozen=True)
class Scenario:
    name: str
    duration_s: float
    seed: int
    queue_capacity: int
    max_burst: int
    link_delay_ns: float
    poll_ns: float
    stages: tuple
    instances: tuple
    sources: tuple
    noise: dict
    faults: tuple           # raw fault dicts, validated by emulator.faults
    random_faults: dict
    description: str = ''

    def stage(self, name):
        return next(s for s in self.stages if s.name == name)

    def instance(self, name):
        return next(i for i in self.instances if i.name == name)

    def topology(self):
        nfs = [topo.NF(name=s.name, type='source', role=topo.ROLE_SOURCE)
               for s in self.sources]
        nfs += [topo.NF(name=i.name, type=i.type, vendor=i.vendor, host=i.host,
                        peak_rate_pps=i.peak_rate_pps) for i in self.instances]
        edges = []
        for s in self.sources:
            edges += [(s.name, d) for d in self.stage(s.to).instances]
        for st in self.stages:
            targets = []
            for r in st.next:
                if r.to not in targets:
                    targets.append(r.to)
            for up in st.instances:
                for t in targets:
                    edges += [(up, d) for d in self.stage(t).instances]
        return topo.Topology(nfs=tuple(nfs), edges=tuple(edges), name=self.name)


def _num(d, key, field, default=None, lo=None, hi=None, integer=False,
         strict_lo=False):
    if key not in d:
        if default is None:
            raise ScenarioError('%s.%s' % (field, key), 'missing')
        return default
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ScenarioError('%s.%s' % (field, key), 'expected a number, got %r'
                            % (v,))
    if integer and int(v) != v:
        raise ScenarioError('%s.%s' % (field, key), 'expected an integer, '
                            'got %r' % (v,))
    if lo is not None and (v <= lo if strict_lo else v < lo):
        raise ScenarioError('%s.%s' % (field, key), 'must be %s %s, got %r'
                            % ('>' if strict_lo else '>=', lo, v))
    if hi is not None and v > hi:
        raise ScenarioError('%s.%s' % (field, key), 'must be <= %s, got %r'
                            % (hi, v))
    return int(v) if integer else float(v)


def _mapping(v, field):
    if not isinstance(v, dict):
        raise ScenarioError(field, 'expected a mapping, got %s'
                            % type(v).__name__)
    return v


def _list(v, field):
    if not isinstance(v, list):
        raise ScenarioError(field, 'expected a list, got %s' % type(v).__name__)
    return v


def _unknown(d, allowed, field):
    extra = set(d) - set(allowed)
    if extra:
        raise ScenarioError(field, 'unknown field(s): %s'
                            % ', '.join(sorted(map(str, extra))))


STAGE_KEYS = ('name', 'type', 'vendor', 'host', 'instances', 'peak_rate_mpps',
              'jitter', 'record_tuples', 'next')
INSTANCE_KEYS = ('name', 'host', 'peak_rate_mpps', 'jitter', 'vendor')


def _parse_stage(raw, field):
    _mapping(raw, field)
    _unknown(raw, STAGE_KEYS, field)
    name = raw.get('name')
    if not isinstance(name, str) or not name:
        raise ScenarioError(field + '.name', 'missing or not a string')
    stype = str(raw.get('type', name))
    rate = _num(raw, 'peak_rate_mpps', field, lo=0, strict_lo=True) * 1e6
    jitter = _num(raw, 'jitter', field, default=0.0, lo=0, hi=2)
    tuples = raw.get('record_tuples', 'none')
    if tuples not in ('none', 'rx', 'tx'):
        raise ScenarioError(field + '.record_tuples', "expected none, rx or "
                            "tx, got %r" % (tuples,))
    inst_raw = raw.get('instances', 1)
    if isinstance(inst_raw, int) and not isinstance(inst_raw, bool):
        if inst_raw < 1:
            raise ScenarioError(field + '.instances', 'must be >= 1, got %d'
                                % inst_raw)
        inst_raw = [{'name': '%s%d' % (name, i + 1)} for i in range(inst_raw)]
    _list(inst_raw, field + '.instances')
    if not inst_raw:
        raise ScenarioError(field + '.instances', 'a stage needs an instance')
    instances = []
    for j, item in enumerate(inst_raw):
        f = '%s.instances[%d]' % (field, j)
        _mapping(item, f)
        _unknown(item, INSTANCE_KEYS, f)
        if not isinstance(item.get('name'), str) or not item['name']:
            raise ScenarioError(f + '.name', 'missing or not a string')
        instances.append(Instance(
            name=item['name'], stage=name, type=stype,
            vendor=str(item.get('vendor', raw.get('vendor', ''))),
            host=str(item.get('host', raw.get('host', 'localhost'))),
            peak_rate_pps=_num(item, 'peak_rate_mpps', f, default=rate / 1e6,
                               lo=0, strict_lo=True) * 1e6,
            jitter=_num(item, 'jitter', f, default=jitter, lo=0, hi=2),
            record_tuples=tuples))
    rules = []
    for k, r in enumerate(_list(raw.get('next', []), field + '.next')):
        f = '%s.next[%d]' % (field, k)
        _mapping(r, f)
        _unknown(r, ('to', 'match'), f)
        if not isinstance(r.get('to'), str):
            raise ScenarioError(f + '.to', 'missing or not a string')
        m = FlowMatch.parse(r['match'], f + '.match') if 'match' in r else None
        rules.append(Rule(match=m, to=r['to']))
    return Stage(name=name, type=stype,
                 instances=tuple(i.name for i in instances),
                 next=tuple(rules)), instances


def parse_scenario(raw, origin='<scenario>'):
    """Validate a scenario mapping and return a :class:`Scenario`."""
    _mapping(raw, origin)
    _unknown(raw, ('name', 'description', 'duration_s', 'seed', 'topology',
                   'sources', 'noise', 'faults', 'random_faults'), origin)
    t = _mapping(raw.get('topology'), 'topology')
    _unknown(t, ('queue_capacity', 'max_burst', 'link_delay_us', 'poll_us',
                 'stages'), 'topology')
    stages, instances = [], []
    for i, s in enumerate(_list(t.get('stages'), 'topology.stages')):
        st, inst = _parse_stage(s, 'topology.stages[%d]' % i)
        stages.append(st)
        instances.extend(inst)
    if not stages:
        raise ScenarioError('topology.stages', 'at least one stage is needed')
    names = {}
    for i, s in enumerate(stages):
        if s.name in names:
            raise ScenarioError('topology.stages[%d].name' % i,
                                'duplicate stage %r' % s.name)
        names[s.name] = i
    seen = set()
    for inst in instances:
        if inst.name in seen:
            raise ScenarioError('topology.stages[%d].instances'
                                % names[inst.stage],
                                'duplicate instance name %r' % inst.name)
        seen.add(inst.name)
    for i, s in enumerate(stages):
        for k, r in enumerate(s.next):
            if r.to not in names:
                raise ScenarioError('topology.stages[%d].next[%d].to' % (i, k),
                                    'unknown stage %r' % r.to)
    sources = []
    for i, s in enumerate(_list(raw.get('sources'), 'sources')):
        f = 'sources[%d]' % i
        _mapping(s, f)
        _unknown(s, ('name', 'to', 'tap', 'traffic'), f)
        if not isinstance(s.get('name'), str) or not s['name']:
            raise ScenarioError(f + '.name', 'missing or not a string')
        if s['name'] in seen:
            raise ScenarioError(f + '.name', 'name %r is taken by an NF'
                                % s['name'])
        seen.add(s['name'])
        if s.get('to') not in names:
            raise ScenarioError(f + '.to', 'unknown stage %r' % (s.get('to'),))
        sources.append(Source(name=s['name'], to=s['to'],
                              tap=bool(s.get('tap', True)),
                              traffic=_mapping(s.get('traffic', {}),
                                               f + '.traffic')))
    if not sources:
        raise ScenarioError('sources', 'at least one traffic source is needed')
    sc = Scenario(
        name=str(raw.get('name', 'scenario')),
        description=str(raw.get('description', '')),
        duration_s=_num(raw, 'duration_s', '', default=1.0, lo=0,
                        strict_lo=True),
        seed=_num(raw, 'seed', '', default=1, integer=True),
        queue_capacity=_num(t, 'queue_capacity', 'topology', default=1024,
                            lo=1, integer=True),
        max_burst=_num(t, 'max_burst', 'topology', default=32, lo=1, hi=255,
                       integer=True),
        link_delay_ns=_num(t, 'link_delay_us', 'topology', default=1.0,
                           lo=0) * 1e3,
        poll_ns=_num(t, 'poll_us', 'topology', default=0.05, lo=0) * 1e3,
        stages=tuple(stages), instances=tuple(instances),
        sources=tuple(sources),
        noise=_mapping(raw.get('noise', {}), 'noise'),
        faults=tuple(_list(raw.get('faults', []), 'faults')),
        random_faults=_mapping(raw.get('random_faults', {}), 'random_faults'))
    try:
        sc.topology()
    except topo.TopologyError as e:
        raise ScenarioError('topology.stages', str(e))
    return sc


def load_scenario(path_or_preset):
    """Load a scenario from a YAML/JSON file or a preset name."""
    if os.path.exists(path_or_preset):
        with open(path_or_preset) as fh:
            text = fh.read()
        origin = path_or_preset
    else:
        name = path_or_preset + '.yaml'
        res = importlib.resources.files('microscope_plugin.emulator.presets')
        if not res.joinpath(name).is_file():
            raise ScenarioError('', 'no scenario file or preset named %r '
                                '(presets: %s)' % (path_or_preset,
                                                   ', '.join(list_presets())))
        text = res.joinpath(name).read_text()
        origin = 'preset ' + path_or_preset
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ScenarioError(origin, 'not valid YAML/JSON: %s' % e)
    return parse_scenario(raw, origin)


def list_presets():
    res = importlib.resources.files('microscope_plugin.emulator.presets')
    return sorted(p.name[:-5] for p in res.iterdir() if p.name.endswith('.yaml'))
