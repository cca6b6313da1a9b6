"""Diagnosis jobs: splitting a time range into tasks, running one task,
and the final step once every task has succeeded.

A task loads the blocks overlapping its slice (plus a margin, so queuing
periods and latency history that begin before the slice are seen),
reconstructs the trace (§5), runs the diagnoser with victims restricted
to the slice, and stores victims, ranked causes and relations in the same
transaction that marks it succeeded.
"""
import logging
import time

from microscope_plugin.db import api as dbapi
from microscope_plugin.db import models
from microscope_plugin.diagnosis.base import get_diagnoser
from microscope_plugin.diagnosis.params import DiagnosisParams
from microscope_plugin.engine import loader
from microscope_plugin.engine import patterns as patterns_mod
from microscope_plugin.engine import results as results_mod
from microscope_plugin.integrations import load as load_mod
from microscope_plugin.integrations import outcomes
from microscope_plugin.trace.reconstruct import reconstruct

LOG = logging.getLogger(__name__)


class TaskLost(Exception):
    """Our attempt was taken over (we were presumed dead); drop it."""


def split(start_ns, end_ns, slice_ns, limit=1_000_000):
    """[(a, b)] slices of at most ``slice_ns`` covering [start_ns, end_ns)
    (stops after ``limit`` + 1 slices: the caller refuses that many)."""
    out = []
    a = start_ns
    while a < end_ns:
        b = min(end_ns, a + slice_ns)
        out.append((a, b))
        a = b
        if len(out) > limit:
            break
    return out or [(start_ns, end_ns)]


def run_task(db, task, worker, conf, progress=None):
    """Run one claimed task; returns its timings.  Raises TaskLost when
    the task was given to another worker meanwhile."""
    timings = {}
    t = time.perf_counter()
    with db.begin() as s:
        diag = dbapi.get_diagnosis(s, task.diagnosis_id)
        coll = dbapi.get_collection(s, diag.collection_id)
        topology = dbapi.topology_object(s, coll.topology_id)
        vendors = dbapi.vendor_map(s, coll.topology_id)
    params = dict(diag.params)
    params['start_ns'], params['end_ns'] = task.start_ns, task.end_ns
    params = DiagnosisParams.from_dict(params)
    margin = max(conf.engine.slice_margin_ms * 1_000_000, params.history_ns)
    recs = loader.load_records(db, coll.id, task.start_ns - margin,
                               task.end_ns + margin)
    timings['load_s'] = time.perf_counter() - t
    if not recs:
        raise ValueError('no records in the collection for %d..%d ns'
                         % (task.start_ns, task.end_ns))
    t = time.perf_counter()
    trace = reconstruct(topology, recs)
    del recs
    timings['reconstruct_s'] = time.perf_counter() - t
    t = time.perf_counter()
    result = get_diagnoser(diag.diagnoser).diagnose(trace, params, progress)
    timings['diagnose_s'] = time.perf_counter() - t
    try:   # the evidence of scaling hints; optional like patterns
        timings[outcomes.LOAD_KEY] = load_mod.nf_load(
            trace, params, task.start_ns, task.end_ns,
            conf.hints.window_ms * 1_000_000)
    except Exception:
        LOG.exception('input load of task %d', task.id)
    store_result(db, diag.id, task, worker, result, vendors, timings)
    return timings


def store_result(db, diagnosis_id, task, worker, result, vendors, timings):
    """Store one task's diagnosis result (victims with their ranked causes,
    causal relations and the §4.4 aggregation input) in the transaction
    that marks the task succeeded; adds its timings to ``timings``.
    Raises TaskLost when the task is no longer ours."""
    t = time.perf_counter()
    rows = results_mod.victim_rows(result, vendors)
    ints, floats, icols, fcols = results_mod.relation_arrays(result)
    try:
        agg_input, timings['aggregation_input'] = \
            patterns_mod.task_input(result)
    except Exception as e:   # patterns are optional; the diagnosis is not
        LOG.exception('relation records of task %d', task.id)
        agg_input, timings['aggregation_input'] = None, 'failed: %s' % e
    timings['results_s'] = time.perf_counter() - t
    t = time.perf_counter()
    with db.begin() as s:
        if not dbapi.finish_task(s, task.id, worker, task.attempts,
                                 dbapi.SUCCEEDED, timings=timings,
                                 n_victims=len(rows), n_relations=len(ints)):
            raise TaskLost('task %d attempt %d' % (task.id, task.attempts))
        dbapi.store_task_results(s, diagnosis_id, task.seq, rows, ints,
                                 floats, icols, fcols, agg_input)
    timings['store_s'] = time.perf_counter() - t


def compute_patterns(db, diagnosis_id, thresholds):
    """§4.4 patterns of a finished diagnosis, one set per threshold (see
    :mod:`microscope_plugin.engine.patterns`); returns what happened, which
    the job records in its timings (a skip is not an error)."""
    with db.begin() as s:
        diag = dbapi.get_diagnosis(s, diagnosis_id)
        coll = dbapi.get_collection(s, diag.collection_id)
        topology = dbapi.topology_object(s, coll.topology_id)
        blobs = dbapi.aggregation_inputs(s, diagnosis_id)
    computed = patterns_mod.compute(blobs, topology, thresholds)
    if isinstance(computed, str):
        return computed
    with db.begin() as s:
        for threshold, rows in computed.items():
            dbapi.replace_patterns(s, diagnosis_id, threshold, rows)
    return 'computed at %s (%s patterns)' % (
        ', '.join('%g' % t for t in computed),
        ', '.join(str(len(r)) for r in computed.values()))


def finalize(db, diagnosis_id, conf):
    """The step after every task succeeded: patterns, summary, state."""
    t = time.perf_counter()
    thresholds = [float(x) for x in conf.engine.pattern_thresholds]
    try:
        patterns = compute_patterns(db, diagnosis_id, thresholds)
    except Exception as e:  # a pattern failure must not lose the diagnosis
        LOG.exception('patterns of %s failed', diagnosis_id)
        patterns = 'failed: %s' % e
    hints, hint_note = outcomes.store_hints(db, diagnosis_id, conf)
    with db.begin() as s:
        diag = dbapi.get_diagnosis(s, diagnosis_id)
        tasks = dbapi.tasks_of(s, diagnosis_id)
        n_victims, n_rel = dbapi.task_totals(s, diagnosis_id)
        timings = {'tasks': {str(x.seq): {
            k: v for k, v in (x.timings or {}).items()
            if k != outcomes.LOAD_KEY} for x in tasks},
                   'patterns': patterns,
                   'finalize_s': time.perf_counter() - t}
        summary = {'diagnoser': diag.diagnoser, 'victims': int(n_victims or 0),
                   'relations': int(n_rel or 0), 'tasks': len(tasks),
                   'top_causes': dbapi.top_culprits(s, diagnosis_id)}
        dbapi.set_diagnosis(s, diagnosis_id, state=dbapi.SUCCEEDED,
                            n_victims=int(n_victims or 0),
                            n_relations=int(n_rel or 0), summary=summary,
                            timings=timings, finished_at=models.utcnow())
    # alarms once the diagnosis is visible as succeeded: a receiver finds
    # it behind the evidence link (hints were stored before, above)
    notes = dict(outcomes.send_alarms(db, diagnosis_id, conf, hints),
                 hints=hint_note)
    with db.begin() as s:
        diag = dbapi.get_diagnosis(s, diagnosis_id)
        dbapi.set_diagnosis(s, diagnosis_id,
                            timings=dict(diag.timings or {}, outcomes=notes))


def store_computed(db, conf, collection_id, result, params, start_ns, end_ns,
                   diagnoser='microscope', project_id='default',
                   worker='local', load=None):
    """Record a diagnosis computed in this process over a whole collection
    (``microscope demo``) as a finished one-task job, exactly as an engine
    worker would have stored it, so the API serves it; returns its id.
    ``load``: the run's input load per NF (:func:`microscope_plugin.
    integrations.load.nf_load`), the evidence of its scaling hints."""
    stored = dict(params.to_dict(), start_ns=start_ns, end_ns=end_ns)
    with db.begin() as s:
        row = dbapi.create_diagnosis(s, project_id, collection_id, diagnoser,
                                     stored, start_ns, end_ns,
                                     [(start_ns, end_ns)])
        diagnosis_id = row.id
        task_id = dbapi.tasks_of(s, row.id)[0].id
        coll = dbapi.get_collection(s, collection_id)
        vendors = dbapi.vendor_map(s, coll.topology_id)
    with db.begin() as s:
        task = dbapi.claim_task(s, task_id, worker)
    store_result(db, diagnosis_id, task, worker, result, vendors,
                 {outcomes.LOAD_KEY: load} if load else {})
    with db.begin() as s:
        if not dbapi.try_complete(s, diagnosis_id):
            raise RuntimeError('diagnosis %s did not complete' % diagnosis_id)
    finalize(db, diagnosis_id, conf)
    return diagnosis_id
