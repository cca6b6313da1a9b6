"""What a report is built from, whatever produced it.

:class:`ReportInputs` gathers the diagnosis outputs a report needs: the NF
DAG (with vendors), the §4.4 aggregation input (``RelationRecords``: one
row per causal relation and culprit flow, with scores), the ranked
patterns, incidents (victims close in time with their leading causes),
victim documents (the shape of ``DiagnosisResult.victim_json``: a victim
packet and its ranked culprits) for the evidence section, and optionally a
way to load the reconstructed trace for a time window (queue occupancy and
rates, Fig. 1b/2c/3c).

Three producers: :func:`from_result` (in memory, after a diagnosis, as
``microscope demo`` does), :func:`from_run_dir` (a directory written by
``microscope emulate`` + ``microscope diagnose``) and
:mod:`microscope_plugin.report.dbsource` (a stored diagnosis).
"""
import dataclasses
import glob
import json
import os

from microscope_plugin.aggregation.records import NFCatalog, RelationRecords
from microscope_plugin.topology import Topology


class ReportInputError(ValueError):
    """The inputs of a report are missing or inconsistent (names which)."""


@dataclasses.dataclass
class ReportInputs:
    topology: Topology
    records: RelationRecords
    patterns: list                 # pattern dicts (Pattern.to_dict), ranked
    incidents: list                # incident dicts (diagnosis.incidents)
    victims: list                  # victim documents with ranked causes
    summary: dict                  # diagnosis summary (victims, relations ...)
    source: str = ''               # where the inputs came from
    t0_ns: int = 0                 # origin of the times shown
    trace_loader: object = None    # callable(start_ns, end_ns) -> Trace or None

    def __post_init__(self):
        cat = self.catalog
        if len(self.records):
            try:
                self.records.validate(cat)
            except ValueError as e:
                raise ReportInputError('relations: %s' % e) from None

    @property
    def catalog(self):
        return NFCatalog.from_topology(self.topology)

    def vendor_of(self, name):
        try:
            return self.topology.nf(name).vendor
        except KeyError:
            return ''


def _load_json(path, what):
    try:
        with open(path) as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise ReportInputError('%s: missing (%s)' % (path, what)) from None
    except ValueError as e:
        raise ReportInputError('%s: not JSON (%s)' % (path, e)) from None


def from_run_dir(path):
    """Inputs from a run directory: ``topology.json``, ``diagnosis.json``
    and ``relations.npz`` (written by ``microscope diagnose``), and the
    record files under ``records/`` for the queue plots."""
    if not os.path.isdir(path):
        raise ReportInputError('%s: not a directory' % path)
    topo_path = os.path.join(path, 'topology.json')
    try:
        topology = Topology.from_dict(_load_json(topo_path, 'the NF DAG'))
    except ValueError as e:
        raise ReportInputError('%s: %s' % (topo_path, e)) from None
    diag = _load_json(os.path.join(path, 'diagnosis.json'),
                      'run "microscope diagnose %s" first' % path)
    rel_path = os.path.join(path, 'relations.npz')
    if not os.path.exists(rel_path):
        raise ReportInputError('%s: missing (run "microscope diagnose %s" first)'
                               % (rel_path, path))
    try:
        records, cat = RelationRecords.load(rel_path)
    except (ValueError, OSError) as e:
        raise ReportInputError(str(e)) from None
    if cat is not None and tuple(cat.names) != tuple(topology.names):
        raise ReportInputError('%s: its NF catalog does not match %s'
                               % (rel_path, topo_path))
    files = sorted(glob.glob(os.path.join(path, 'records', '*.msr')))
    cache = {}

    def loader(start_ns=None, end_ns=None):
        if not files:
            return None
        if 'trace' not in cache:
            from microscope_plugin.trace.reconstruct import load_trace
            cache['trace'] = load_trace(topology, files)
        return cache['trace']

    victims = list(diag.get('evidence') or []) + list(diag.get('victims') or [])
    summary = dict(diag.get('summary') or {})
    incs = diag.get('incidents') or []
    starts = [i['start_ns'] for i in incs]
    if len(records):
        starts.append(int(records.c_t_ns.min()))
    t0 = min(starts) if starts else 0
    return ReportInputs(
        topology=topology, records=records,
        patterns=list((diag.get('patterns') or {}).get('patterns') or []),
        incidents=incs, victims=_dedup(victims), summary=summary,
        source=os.path.abspath(path), t0_ns=int(t0),
        trace_loader=loader if files else None)


def _dedup(victims):
    seen, out = set(), []
    for v in victims:
        key = (v.get('id'), v.get('nf'), v.get('time_ns'))
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def from_result(result, topology, trace=None, incidents=None, patterns=None,
                source='', evidence_per_incident=5):
    """Inputs from an in-memory :class:`DiagnosisResult` (and its trace)."""
    from microscope_plugin.diagnosis import incidents as incidents_mod
    from microscope_plugin.diagnosis import relations
    from microscope_plugin.report.evidence import sample_victims
    incs = incidents if incidents is not None else incidents_mod.incidents(result)
    if patterns is not None:
        records, agg = patterns
        pats = agg.to_dict()['patterns']
    else:
        records, pats = relations.relation_records(result), []
    return ReportInputs(
        topology=topology, records=records, patterns=pats, incidents=incs,
        victims=sample_victims(result, incs, evidence_per_incident),
        summary=result.summary(), source=source,
        t0_ns=int(trace.t_min) if trace is not None else 0,
        trace_loader=(lambda a=None, b=None: trace) if trace is not None else None)
