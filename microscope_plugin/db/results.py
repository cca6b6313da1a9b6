"""Queries of diagnosis results: victims, causes, relations, patterns,
scaling hints, alarms."""
import numpy as np
import sqlalchemy as sa

from microscope_plugin.db import errors
from microscope_plugin.db import models as m
from microscope_plugin.db.query import page_by_id, rows

CHUNK = 500


def store_task_results(session, diagnosis_id, task_seq, victims,
                       rel_ints, rel_floats, int_columns, float_columns,
                       aggregation_input=None):
    """Victims (dicts with kind, nf, vendor, time_ns, latency_ns, detail and
    causes: list of cause dicts) and the task's relation arrays.  A
    victim's ``detail`` holds what the columns and ``causes`` rows do not
    (its packet); :func:`victim_documents` puts the two back together."""
    V, C = m.Victim, m.Cause
    ids = []
    for start in range(0, len(victims), CHUNK):
        part = victims[start:start + CHUNK]
        res = session.execute(
            sa.insert(V).returning(V.id, sort_by_parameter_order=True),
            [dict(diagnosis_id=diagnosis_id, task_seq=task_seq, kind=v['kind'],
                  nf=v['nf'], vendor=v['vendor'], time_ns=v['time_ns'],
                  latency_ns=v['latency_ns'], detail=v['detail'])
             for v in part])
        ids.extend(r[0] for r in res)
    causes = []
    for vid, v in zip(ids, victims):
        for c in v['causes']:
            causes.append(dict(c, diagnosis_id=diagnosis_id, victim_id=vid,
                               victim_nf=v['nf'], victim_vendor=v['vendor']))
    for start in range(0, len(causes), CHUNK):
        session.execute(sa.insert(C), causes[start:start + CHUNK])
    session.add(m.CausalRelations(
        diagnosis_id=diagnosis_id, task_seq=task_seq, count=len(rel_ints),
        first_victim_id=ids[0] if ids else None, int_columns=list(int_columns),
        float_columns=list(float_columns),
        ints=np.ascontiguousarray(rel_ints, dtype='<i8').tobytes(),
        floats=np.ascontiguousarray(rel_floats, dtype='<f8').tobytes(),
        aggregation_input=aggregation_input))
    return ids


def aggregation_inputs(session, diagnosis_id):
    """The stored §4.4 inputs (npz bytes) of a diagnosis' tasks."""
    R = m.CausalRelations
    return [bytes(b) for (b,) in session.execute(sa.select(
        R.aggregation_input).where(R.diagnosis_id == diagnosis_id,
                                   R.aggregation_input.is_not(None))
        .order_by(R.task_seq))]


def relations(session, diagnosis_id):
    """[(task_seq, first_victim_id, ints (n x k), floats (n x j), int
    column names, float column names)] of a diagnosis."""
    R = m.CausalRelations
    out = []
    for r in session.scalars(sa.select(R).where(
            R.diagnosis_id == diagnosis_id).order_by(R.task_seq)):
        ni, nf = len(r.int_columns), len(r.float_columns)
        ints = np.frombuffer(r.ints, dtype='<i8').reshape(r.count, ni)
        floats = np.frombuffer(r.floats, dtype='<f8').reshape(r.count, nf)
        out.append((r.task_seq, r.first_victim_id, ints, floats,
                    r.int_columns, r.float_columns))
    return out


def victims_of_task(session, diagnosis_id, task_seq):
    V = m.Victim
    return list(session.execute(sa.select(V.id, V.nf, V.kind, V.time_ns).where(
        V.diagnosis_id == diagnosis_id, V.task_seq == task_seq).order_by(V.id)))


def list_victims(session, diagnosis_id, vendor=None, nf=None, kind=None,
                 start_ns=None, end_ns=None, limit=100, marker=None):
    V = m.Victim
    stmt = sa.select(V).where(V.diagnosis_id == diagnosis_id)
    for col, value in ((V.vendor, vendor), (V.nf, nf), (V.kind, kind)):
        if value is not None:
            stmt = stmt.where(col == value)
    if start_ns is not None:
        stmt = stmt.where(V.time_ns >= start_ns)
    if end_ns is not None:
        stmt = stmt.where(V.time_ns < end_ns)
    return rows(session, page_by_id(stmt, V, limit, marker), V)


def get_victim(session, diagnosis_id, victim_id, vendor=None):
    V = m.Victim
    stmt = sa.select(V).where(V.diagnosis_id == diagnosis_id, V.id == victim_id)
    if vendor is not None:
        stmt = stmt.where(V.vendor == vendor)
    row = session.scalars(stmt).first()
    if row is None:
        raise errors.NotFound('victim', victim_id, 'victim_id')
    return row


def _cause_document(c, types):
    """A ``causes`` row in the shape of a victim document's cause
    (``DiagnosisResult.victim_json``)."""
    return {'rank': c.rank, 'kind': c.kind, 'nf': c.nf,
            'nf_type': types.get(c.nf, 'source'),
            'score': round(c.score, 3), 'share': round(c.share, 4),
            'start_ns': c.start_ns, 'end_ns': c.end_ns,
            'culprit_packets': c.culprit_packets, 'flows': c.flows}


def victim_documents(session, diagnosis_id, victims, types):
    """The documents of victim rows ``victims`` as the CLI prints them: the
    row's ``detail`` with ``id`` (the row's), kind, nf, time, latency and
    the ranked causes read from ``causes``.  ``types``: NF name -> NF
    type.  A detail that still carries its causes (rows stored before
    causes were kept only in ``causes``) is used as it is."""
    need = [r.id for r in victims if 'causes' not in (r.detail or {})]
    by_victim = {}
    C = m.Cause
    for start in range(0, len(need), CHUNK):
        for c in session.scalars(sa.select(C).where(
                C.diagnosis_id == diagnosis_id,
                C.victim_id.in_(need[start:start + CHUNK]))
                .order_by(C.victim_id, C.rank)):
            by_victim.setdefault(c.victim_id, []).append(
                _cause_document(c, types))
    docs = []
    for r in victims:
        d = dict(r.detail or {})
        d.update(id=r.id, kind=r.kind, nf=r.nf, time_ns=r.time_ns,
                 latency_ns=r.latency_ns)
        if 'causes' not in d:
            d['causes'] = by_victim.get(r.id, [])
        docs.append(d)
    return docs


def list_causes(session, diagnosis_id, vendor=None, nf=None, kind=None,
                victim_nf=None, max_rank=None, start_ns=None, end_ns=None,
                limit=100, marker=None, scope_vendor=None):
    """``scope_vendor``: only causes whose culprit or victim NF is that
    vendor's (what a vendor may see)."""
    C = m.Cause
    stmt = sa.select(C).where(C.diagnosis_id == diagnosis_id)
    if scope_vendor is not None:
        stmt = stmt.where(sa.or_(C.vendor == scope_vendor,
                                 C.victim_vendor == scope_vendor))
    for col, value in ((C.vendor, vendor), (C.nf, nf), (C.kind, kind),
                       (C.victim_nf, victim_nf)):
        if value is not None:
            stmt = stmt.where(col == value)
    if max_rank is not None:
        stmt = stmt.where(C.rank <= max_rank)
    if start_ns is not None:
        stmt = stmt.where(C.end_ns >= start_ns)
    if end_ns is not None:
        stmt = stmt.where(C.start_ns < end_ns)
    return rows(session, page_by_id(stmt, C, limit, marker), C)


def top_culprits(session, diagnosis_id, vendor=None, limit=20):
    """(kind, nf, vendor, victims where it ranks first, total score)."""
    C = m.Cause
    stmt = sa.select(C.kind, C.nf, C.vendor, sa.func.count(),
                     sa.func.sum(C.score)).where(
        C.diagnosis_id == diagnosis_id, C.rank == 1)
    if vendor is not None:
        stmt = stmt.where(C.vendor == vendor)
    stmt = stmt.group_by(C.kind, C.nf, C.vendor).order_by(
        sa.func.count().desc(), C.nf).limit(limit)
    return [dict(kind=k, nf=n, vendor=v, victims=int(c), score=float(s or 0))
            for k, n, v, c, s in session.execute(stmt)]


def replace_patterns(session, diagnosis_id, threshold, patterns):
    """patterns: [(rank, score, vendors list, pattern dict)]"""
    P = m.Pattern
    session.execute(sa.delete(P).where(P.diagnosis_id == diagnosis_id,
                                       P.threshold == threshold))
    if patterns:
        session.execute(sa.insert(P), [
            dict(diagnosis_id=diagnosis_id, threshold=threshold, rank=r,
                 score=s, vendors='|%s|' % '|'.join(vs), pattern=doc)
            for r, s, vs, doc in patterns])


def pattern_thresholds(session, diagnosis_id):
    P = m.Pattern
    return sorted(t for (t,) in session.execute(sa.select(P.threshold).where(
        P.diagnosis_id == diagnosis_id).distinct()))


def list_patterns(session, diagnosis_id, threshold, vendor=None, limit=100,
                  marker=None):
    P = m.Pattern
    stmt = sa.select(P).where(P.diagnosis_id == diagnosis_id,
                              P.threshold == threshold)
    if vendor is not None:
        stmt = stmt.where(P.vendors.contains('|%s|' % vendor))
    return rows(session, page_by_id(stmt, P, limit, marker), P)


def add_scaling_hints(session, diagnosis_id, hints):
    if hints:
        session.execute(sa.insert(m.ScalingHint),
                        [dict(h, diagnosis_id=diagnosis_id) for h in hints])


def list_scaling_hints(session, diagnosis_id, nf=None, vendor=None,
                       limit=100, marker=None):
    H = m.ScalingHint
    stmt = sa.select(H).where(H.diagnosis_id == diagnosis_id)
    for col, value in ((H.nf, nf), (H.vendor, vendor)):
        if value is not None:
            stmt = stmt.where(col == value)
    return rows(session, page_by_id(stmt, H, limit, marker), H)


def record_alarm(session, diagnosis_id, sink, target, status, payload,
                 http_status=None, error=None):
    row = m.Alarm(diagnosis_id=diagnosis_id, sink=sink, target=target,
                  status=status, payload=payload, http_status=http_status,
                  error=error)
    session.add(row)
    session.flush()
    return row


def list_alarms(session, diagnosis_id, limit=100, marker=None):
    A = m.Alarm
    stmt = sa.select(A).where(A.diagnosis_id == diagnosis_id)
    return rows(session, page_by_id(stmt, A, limit, marker), A)


def culprit_evidence(session, diagnosis_id, kind, nf, max_flows=5,
                     max_victim_nfs=50):
    """What a root-cause alarm carries about culprit (``kind``, ``nf``):
    {'victim_nfs': [(nf, vendor, victims, score)], 'flows': [flow dicts of
    its best-scored first-ranked causes], 'start_ns', 'end_ns'}."""
    C = m.Cause
    where = (C.diagnosis_id == diagnosis_id, C.rank == 1, C.kind == kind,
             C.nf == nf)
    victims = [(vn, vv, int(c), float(s or 0)) for vn, vv, c, s in
               session.execute(sa.select(
                   C.victim_nf, C.victim_vendor, sa.func.count(),
                   sa.func.sum(C.score)).where(*where)
                   .group_by(C.victim_nf, C.victim_vendor)
                   .order_by(sa.func.count().desc(), C.victim_nf)
                   .limit(max_victim_nfs))]
    t0, t1 = session.execute(sa.select(sa.func.min(C.start_ns),
                                       sa.func.max(C.end_ns)).where(*where)).one()
    flows, seen = [], set()
    for (fl,) in session.execute(sa.select(C.flows).where(*where)
                                 .order_by(C.score.desc()).limit(50)):
        for f in fl or []:
            key = tuple(sorted((k, str(v)) for k, v in f.items()
                               if k != 'packets'))
            if key not in seen and len(flows) < max_flows:
                seen.add(key)
                flows.append(f)
    return {'victim_nfs': victims, 'flows': flows, 'start_ns': t0,
            'end_ns': t1}


def local_blame(session, diagnosis_id):
    """{victim NF: (victims, victims whose first cause is the NF's own
    processing)} — the evidence of the HEAL hint."""
    V, C = m.Victim, m.Cause
    total = dict(session.execute(sa.select(V.nf, sa.func.count()).where(
        V.diagnosis_id == diagnosis_id).group_by(V.nf)).all())
    local = dict(session.execute(sa.select(C.victim_nf, sa.func.count()).where(
        C.diagnosis_id == diagnosis_id, C.rank == 1,
        C.kind.in_(('nf', 'in_nf_delay')), C.nf == C.victim_nf)
        .group_by(C.victim_nf)).all())
    return {nf: (int(n), int(local.get(nf, 0))) for nf, n in total.items()}


def list_all_scaling_hints(session, project_id=None, action=None, nf=None,
                           limit=100, marker=None):
    """Hints of every diagnosis (of ``project_id`` when given), newest
    diagnosis first is not promised: ordered by hint id."""
    H, D = m.ScalingHint, m.Diagnosis
    stmt = sa.select(H)
    if project_id is not None:
        stmt = stmt.join(D, D.id == H.diagnosis_id).where(
            D.project_id == project_id)
    for col, value in ((H.action, action), (H.nf, nf)):
        if value is not None:
            stmt = stmt.where(col == value)
    return rows(session, page_by_id(stmt, H, limit, marker), H)


def delete_scaling_hints(session, diagnosis_id):
    session.execute(sa.delete(m.ScalingHint).where(
        m.ScalingHint.diagnosis_id == diagnosis_id))
