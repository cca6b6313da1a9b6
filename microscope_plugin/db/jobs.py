"""Queries of diagnosis jobs and their tasks (claim, heartbeat, finish,
reap).  Every state change is one conditional UPDATE, so two workers never
run the same attempt and a dead worker's task is taken over exactly once.
"""
import datetime

import sqlalchemy as sa

from microscope_plugin.db import errors
from microscope_plugin.db import models as m
from microscope_plugin.db.catalog import _vendor_topologies, new_id
from microscope_plugin.db.query import ALL, page_by_created, rows

PENDING, RUNNING, SUCCEEDED, FAILED = 'pending', 'running', 'succeeded', 'failed'
STATES = (PENDING, RUNNING, SUCCEEDED, FAILED)


def _ago(seconds):
    return m.utcnow() - datetime.timedelta(seconds=seconds)


def _scope(stmt, scope):
    D = m.Diagnosis
    if scope.project_id is not None:
        stmt = stmt.where(D.project_id == scope.project_id)
    if scope.vendor is not None:
        stmt = stmt.where(D.collection_id.in_(
            sa.select(m.Collection.id).where(m.Collection.topology_id.in_(
                _vendor_topologies(scope.vendor)))))
    return stmt


def create_diagnosis(session, project_id, collection_id, diagnoser, params,
                     start_ns, end_ns, slices):
    """A pending diagnosis with one pending task per (start, end) slice."""
    row = m.Diagnosis(id=new_id(), project_id=project_id,
                      collection_id=collection_id, diagnoser=diagnoser,
                      params=params, start_ns=start_ns, end_ns=end_ns,
                      state=PENDING, n_tasks=len(slices), n_victims=0,
                      n_relations=0, timings={})
    session.add(row)
    session.flush()
    now = m.utcnow()
    session.execute(sa.insert(m.DiagnosisTask), [
        dict(diagnosis_id=row.id, seq=i, start_ns=a, end_ns=b, state=PENDING,
             attempts=0, announced_at=now, n_victims=0, n_relations=0)
        for i, (a, b) in enumerate(slices)])
    return row


def get_diagnosis(session, diagnosis_id, scope=ALL):
    row = session.scalars(_scope(sa.select(m.Diagnosis).where(
        m.Diagnosis.id == diagnosis_id), scope)).first()
    if row is None:
        raise errors.NotFound('diagnosis', diagnosis_id, 'diagnosis_id')
    return row


def diagnosis_brief(session, diagnosis_id, scope=ALL, timings=False):
    """Id, collection, state (and timings) of a diagnosis in scope: what
    the result endpoints need, without its large JSON columns."""
    D = m.Diagnosis
    cols = [D.id, D.collection_id, D.state] + ([D.timings] if timings else [])
    row = session.execute(_scope(sa.select(*cols).where(
        D.id == diagnosis_id), scope)).first()
    if row is None:
        raise errors.NotFound('diagnosis', diagnosis_id, 'diagnosis_id')
    return row


def list_diagnoses(session, scope=ALL, limit=100, marker=None, state=None,
                   collection_id=None, start_ns=None, end_ns=None):
    D = m.Diagnosis
    stmt = _scope(sa.select(D), scope)
    if state is not None:
        stmt = stmt.where(D.state == state)
    if collection_id is not None:
        stmt = stmt.where(D.collection_id == collection_id)
    if start_ns is not None:
        stmt = stmt.where(D.end_ns > start_ns)
    if end_ns is not None:
        stmt = stmt.where(D.start_ns < end_ns)
    stmt = page_by_created(session, stmt, D, limit, marker, 'diagnosis')
    return rows(session, stmt, D)


def diagnoses_stored_by(session, collection_id, worker):
    """Ids of the diagnoses of a collection whose tasks ``worker`` ran."""
    D, T = m.Diagnosis, m.DiagnosisTask
    return list(session.scalars(
        sa.select(D.id).join(T, T.diagnosis_id == D.id).where(
            D.collection_id == collection_id, T.worker == worker).distinct()))


def delete_diagnosis_rows(session, diagnosis_id):
    for model in (m.Cause, m.Victim, m.CausalRelations, m.Pattern,
                  m.ScalingHint, m.Alarm, m.DiagnosisTask):
        session.execute(sa.delete(model).where(
            model.diagnosis_id == diagnosis_id))
    session.execute(sa.delete(m.Diagnosis).where(m.Diagnosis.id == diagnosis_id))


def delete_diagnosis(session, diagnosis_id, scope=ALL):
    row = get_diagnosis(session, diagnosis_id, scope)
    delete_diagnosis_rows(session, row.id)


def tasks_of(session, diagnosis_id):
    return list(session.scalars(sa.select(m.DiagnosisTask).where(
        m.DiagnosisTask.diagnosis_id == diagnosis_id).order_by(
        m.DiagnosisTask.seq)))


def claim_task(session, task_id, worker):
    """Take a pending task; returns the task row or None if another worker
    has it (or it is done).  Marks its diagnosis running."""
    T = m.DiagnosisTask
    now = m.utcnow()
    res = session.execute(sa.update(T).where(
        T.id == task_id, T.state == PENDING).values(
        state=RUNNING, worker=worker, heartbeat_at=now, started_at=now,
        attempts=T.attempts + 1))
    if res.rowcount != 1:
        return None
    task = session.get(T, task_id, populate_existing=True)
    session.execute(sa.update(m.Diagnosis).where(
        m.Diagnosis.id == task.diagnosis_id,
        m.Diagnosis.state == PENDING).values(state=RUNNING, started_at=now))
    return task


def heartbeat(session, task_id, worker, attempt):
    """Refresh a running task's heartbeat; False if it is no longer ours."""
    T = m.DiagnosisTask
    res = session.execute(sa.update(T).where(
        T.id == task_id, T.state == RUNNING, T.worker == worker,
        T.attempts == attempt).values(heartbeat_at=m.utcnow()))
    return res.rowcount == 1


def finish_task(session, task_id, worker, attempt, state, reason=None,
                timings=None, n_victims=0, n_relations=0):
    """Close our attempt; False if the task was taken from us meanwhile."""
    T = m.DiagnosisTask
    values = dict(state=state, timings=timings or {}, n_victims=n_victims,
                  n_relations=n_relations, finished_at=m.utcnow())
    if reason is not None:      # else keep why an earlier attempt was lost
        values['reason'] = reason
    res = session.execute(sa.update(T).where(
        T.id == task_id, T.state == RUNNING, T.worker == worker,
        T.attempts == attempt).values(**values))
    return res.rowcount == 1


def fail_diagnosis(session, diagnosis_id, reason):
    D = m.Diagnosis
    session.execute(sa.update(D).where(
        D.id == diagnosis_id, D.state.in_((PENDING, RUNNING))).values(
        state=FAILED, reason=reason, finished_at=m.utcnow()))
    # its other tasks stop too: a live worker's attempt is then lost (its
    # heartbeat and finish find the task no longer running) and dropped
    T = m.DiagnosisTask
    session.execute(sa.update(T).where(
        T.diagnosis_id == diagnosis_id, T.state.in_((PENDING, RUNNING))).values(
        state=FAILED, reason='diagnosis failed: ' + reason[:200],
        finished_at=m.utcnow()))


def reap(session, task_timeout, pending_timeout, max_attempts):
    """Tasks of dead workers and lost announcements.

    A running task whose heartbeat is older than ``task_timeout`` seconds
    is reset to pending (to be retried) or, after ``max_attempts``, failed
    with the reason — and its diagnosis with it.  Returns
    ``(retry, failed_diagnoses, reannounce, refinalize)``: ``retry`` and
    ``reannounce`` list (diagnosis_id, task_id) to announce again;
    ``refinalize`` lists diagnoses whose final step (after every task
    succeeded) was interrupted, now claimed by the caller to run it again.
    """
    T = m.DiagnosisTask
    retry, failed, again = [], [], []
    stale = session.execute(sa.select(
        T.id, T.diagnosis_id, T.attempts, T.worker).where(
        T.state == RUNNING, T.heartbeat_at < _ago(task_timeout))).all()
    for tid, did, attempts, worker in stale:
        why = ('worker %s stopped heartbeating during attempt %d (no '
               'heartbeat for %.0f s)' % (worker, attempts, task_timeout))
        if attempts < max_attempts:
            res = session.execute(sa.update(T).where(
                T.id == tid, T.state == RUNNING, T.attempts == attempts).values(
                state=PENDING, worker=None, reason=why,
                announced_at=m.utcnow()))
            if res.rowcount:
                retry.append((did, tid))
        else:
            res = session.execute(sa.update(T).where(
                T.id == tid, T.state == RUNNING, T.attempts == attempts).values(
                state=FAILED, reason=why, finished_at=m.utcnow()))
            if res.rowcount:
                fail_diagnosis(session, did, 'task %d failed after %d '
                               'attempts: %s' % (tid, attempts, why))
                failed.append(did)
    lost = session.execute(sa.select(T.id, T.diagnosis_id).where(
        T.state == PENDING, T.announced_at < _ago(pending_timeout))).all()
    for tid, did in lost:
        res = session.execute(sa.update(T).where(
            T.id == tid, T.state == PENDING,
            T.announced_at < _ago(pending_timeout)).values(
            announced_at=m.utcnow()))
        if res.rowcount:
            again.append((did, tid))
    D = m.Diagnosis
    finals = []
    for (did,) in session.execute(sa.select(D.id).where(
            D.state == RUNNING, D.finished_at < _ago(task_timeout))).all():
        res = session.execute(sa.update(D).where(
            D.id == did, D.state == RUNNING,
            D.finished_at < _ago(task_timeout)).values(finished_at=m.utcnow()))
        if res.rowcount:
            finals.append(did)
    return retry, failed, again, finals


def try_complete(session, diagnosis_id):
    """If every task succeeded, mark the diagnosis ready for its final step
    and return True (once: the caller that gets True finalizes)."""
    T = m.DiagnosisTask
    states = dict(session.execute(sa.select(T.state, sa.func.count()).where(
        T.diagnosis_id == diagnosis_id).group_by(T.state)).all())
    if set(states) != {SUCCEEDED}:
        return False
    D = m.Diagnosis
    res = session.execute(sa.update(D).where(
        D.id == diagnosis_id, D.state == RUNNING,
        D.finished_at.is_(None)).values(finished_at=m.utcnow()))
    return res.rowcount == 1


def set_diagnosis(session, diagnosis_id, **values):
    session.execute(sa.update(m.Diagnosis).where(
        m.Diagnosis.id == diagnosis_id).values(**values))


def task_totals(session, diagnosis_id):
    T = m.DiagnosisTask
    return session.execute(sa.select(
        sa.func.sum(T.n_victims), sa.func.sum(T.n_relations)).where(
        T.diagnosis_id == diagnosis_id)).one()
