"""Queries behind reports and the DAG page: a diagnosis' victims, the
causes ranked first for them, and chosen victims' documents."""
import sqlalchemy as sa

from microscope_plugin.db import models as m
from microscope_plugin.db import results


def report_victims(session, diagnosis_id, start_ns=None, end_ns=None):
    """[(id, nf, kind, time_ns, latency_ns)] in time order."""
    V = m.Victim
    stmt = sa.select(V.id, V.nf, V.kind, V.time_ns, V.latency_ns).where(
        V.diagnosis_id == diagnosis_id)
    if start_ns is not None:
        stmt = stmt.where(V.time_ns >= start_ns)
    if end_ns is not None:
        stmt = stmt.where(V.time_ns < end_ns)
    return list(session.execute(stmt.order_by(V.time_ns, V.id)))


def first_causes(session, diagnosis_id):
    """{victim id: (kind, nf, score, start_ns, end_ns, flows)} of the causes
    ranked first."""
    C = m.Cause
    return {r[0]: tuple(r[1:]) for r in session.execute(sa.select(
        C.victim_id, C.kind, C.nf, C.score, C.start_ns, C.end_ns, C.flows).where(
            C.diagnosis_id == diagnosis_id, C.rank == 1))}


def culprit_victim_scores(session, diagnosis_id, scope_vendor=None):
    """[(kind, culprit nf, victim nf, summed score, victims ranking it
    first)] of all ranked causes (the DAG page's arrows)."""
    C = m.Cause
    first = sa.func.sum(sa.case((C.rank == 1, 1), else_=0))
    stmt = sa.select(C.kind, C.nf, C.victim_nf, sa.func.sum(C.score), first).where(
        C.diagnosis_id == diagnosis_id)
    if scope_vendor is not None:
        stmt = stmt.where(sa.or_(C.vendor == scope_vendor,
                                 C.victim_vendor == scope_vendor))
    stmt = stmt.group_by(C.kind, C.nf, C.victim_nf)
    return [(k, n, vn, float(s or 0), int(f or 0))
            for k, n, vn, s, f in session.execute(stmt)]


def documents_of_victims(session, diagnosis_id, ids, types):
    """The documents of victims ``ids`` (see
    :func:`~microscope_plugin.db.results.victim_documents`), by id."""
    if not ids:
        return []
    V = m.Victim
    rows = session.scalars(sa.select(V).where(
        V.diagnosis_id == diagnosis_id, V.id.in_(list(ids))).order_by(V.id))
    return results.victim_documents(session, diagnosis_id, list(rows), types)
