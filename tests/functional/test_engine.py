"""Engine jobs on SQLite: splitting, claims, dead workers (retried or
failed with a reason, never left running), the pattern step's skip."""
import datetime

import pytest
import sqlalchemy as sa

from microscope_plugin.db import api as dbapi
from microscope_plugin.db import models
from microscope_plugin.engine import jobs
from microscope_plugin.engine import worker as worker_mod
from tests import servicelib


def test_split_covers_the_range():
    assert jobs.split(0, 10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert jobs.split(5, 6, 100) == [(5, 6)]


@pytest.fixture
def job(db, small_run):
    cid, start, end = servicelib.ingest_run(db, small_run)
    with db.begin() as s:
        d = dbapi.create_diagnosis(s, 'p', cid, 'microscope', {}, start, end,
                                   jobs.split(start, end, 40_000_000))
        return d.id, [t.id for t in dbapi.tasks_of(s, d.id)]


def age_heartbeat(db, task_id, seconds):
    with db.begin() as s:
        s.execute(sa.update(models.DiagnosisTask).where(
            models.DiagnosisTask.id == task_id).values(
            heartbeat_at=models.utcnow() - datetime.timedelta(seconds=seconds)))


def state(db, did):
    with db.begin() as s:
        return dbapi.get_diagnosis(s, did), dbapi.tasks_of(s, did)


def make_worker(db, tmp_path, **over):
    conf = servicelib.make_conf('sqlite://', tmp_path, **over)
    return worker_mod.Worker(conf, db, name='survivor')


def test_claim_is_exclusive(db, job):
    did, tids = job
    with db.begin() as s:
        assert dbapi.claim_task(s, tids[0], 'a') is not None
    with db.begin() as s:
        assert dbapi.claim_task(s, tids[0], 'b') is None
        assert not dbapi.heartbeat(s, tids[0], 'b', 1)
        assert dbapi.heartbeat(s, tids[0], 'a', 1)
    assert state(db, did)[0].state == 'running'


def test_dead_worker_task_is_retried_then_completed(db, job, tmp_path):
    did, tids = job
    with db.begin() as s:
        dbapi.claim_task(s, tids[0], 'dead-worker')
    age_heartbeat(db, tids[0], 3600)
    w = make_worker(db, tmp_path, **{'engine.task_timeout': 60,
                                     'engine.max_attempts': 2})
    announced = []
    w.client.announce = announced.extend
    retry, failed, again, finals = w.reap_once()
    assert retry == [(did, tids[0])] and not failed
    d, tasks = state(db, did)
    assert tasks[0].state == 'pending' and 'dead-worker' in tasks[0].reason
    assert announced == [(did, tids[0])]
    for tid in tids:            # a live worker runs what was announced
        assert w.handle(did, tid)
    d, tasks = state(db, did)
    assert d.state == 'succeeded', d.reason
    assert tasks[0].attempts == 2 and tasks[0].worker == 'survivor'
    assert d.timings['patterns'].startswith('computed')   # §4.4 is on main
    assert d.n_victims == sum(t.n_victims for t in tasks) > 0


def test_dead_worker_out_of_attempts_fails_with_reason(db, job, tmp_path):
    did, tids = job
    with db.begin() as s:
        dbapi.claim_task(s, tids[0], 'dead-worker')
    age_heartbeat(db, tids[0], 3600)
    w = make_worker(db, tmp_path, **{'engine.max_attempts': 1})
    w.client.announce = lambda pairs: None
    retry, failed, again, finals = w.reap_once()
    assert failed == [did] and not retry
    d, tasks = state(db, did)
    assert d.state == 'failed' and 'stopped heartbeating' in d.reason
    assert d.finished_at is not None
    assert all(t.state == 'failed' for t in tasks)
    assert not w.handle(did, tids[1])      # nothing left to run


def test_lost_announcement_is_repeated(db, job, tmp_path):
    did, tids = job
    with db.begin() as s:
        s.execute(sa.update(models.DiagnosisTask).values(
            announced_at=models.utcnow() - datetime.timedelta(hours=1)))
    w = make_worker(db, tmp_path, **{'engine.pending_timeout': 60})
    got = []
    w.client.announce = got.extend
    w.reap_once()
    assert sorted(t for _, t in got) == sorted(tids)


def test_failing_task_fails_the_diagnosis(db, job, tmp_path, monkeypatch):
    did, tids = job

    def boom(*a, **k):
        raise RuntimeError('disk on fire')
    monkeypatch.setattr(jobs, 'reconstruct', boom)
    w = make_worker(db, tmp_path)
    assert not w.handle(did, tids[0])
    d, tasks = state(db, did)
    assert d.state == 'failed' and 'disk on fire' in d.reason
    assert tasks[0].state == 'failed' and tasks[1].state == 'failed'


def test_interrupted_final_step_is_run_again(db, job, tmp_path):
    did, tids = job
    w = make_worker(db, tmp_path)
    real = jobs.finalize
    jobs.finalize = lambda *a: None          # the worker dies right here
    try:
        for tid in tids:
            w.handle(did, tid)
    finally:
        jobs.finalize = real
    d, _ = state(db, did)
    assert d.state == 'running' and d.finished_at is not None
    with db.begin() as s:
        s.execute(sa.update(models.Diagnosis).values(
            finished_at=models.utcnow() - datetime.timedelta(hours=1)))
    w.client.announce = lambda pairs: None
    assert w.reap_once()[3] == [did]
    assert state(db, did)[0].state == 'succeeded'


def test_a_diagnosis_computed_in_process_is_stored_as_a_worker_would(
        db, job, small_run, tmp_path):
    """``microscope demo`` stores its own diagnosis through
    jobs.store_computed: the stored job must equal the one an engine
    worker makes of the same range in one task."""
    from microscope_plugin.cli.diagnose import resolve_inputs, run_diagnosis
    from microscope_plugin.diagnosis import DiagnosisParams
    did, _ = job
    with db.begin() as s:
        d = dbapi.get_diagnosis(s, did)
        cid, start, end = d.collection_id, d.start_ns, d.end_ns
        one = dbapi.create_diagnosis(s, 'p', cid, 'microscope', {}, start,
                                     end, [(start, end)])
        one_id, one_task = one.id, dbapi.tasks_of(s, one.id)[0].id
    w = make_worker(db, tmp_path)
    assert w.handle(one_id, one_task)
    topo, files = resolve_inputs([small_run])
    params = DiagnosisParams()
    _, result = run_diagnosis(topo, files, params)
    stored = jobs.store_computed(db, w.conf, cid, result, params, start, end)
    a, _ = state(db, one_id)
    b, tasks = state(db, stored)
    assert b.state == 'succeeded' and len(tasks) == 1
    assert (b.start_ns, b.end_ns) == (start, end)
    assert b.params['start_ns'] == start and b.params['end_ns'] == end
    assert b.n_victims == a.n_victims > 0
    assert b.n_relations == a.n_relations > 0
    assert b.summary['top_causes'] == a.summary['top_causes']
    assert b.timings['patterns'].startswith('computed')
