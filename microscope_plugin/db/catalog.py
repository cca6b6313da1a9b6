"""Queries of the catalog: topologies, NFs, collections."""
import uuid

import sqlalchemy as sa

from microscope_plugin import topology as topo_mod
from microscope_plugin.db import errors
from microscope_plugin.db import models as m
from microscope_plugin.db.query import ALL, page_by_created, rows


def new_id():
    return str(uuid.uuid4())


def _vendor_topologies(vendor):
    return sa.select(m.NF.topology_id).where(m.NF.vendor == vendor)


def _topology_scope(stmt, scope):
    if scope.project_id is not None:
        stmt = stmt.where(m.Topology.project_id == scope.project_id)
    if scope.vendor is not None:
        stmt = stmt.where(m.Topology.id.in_(_vendor_topologies(scope.vendor)))
    return stmt


def create_topology(session, project_id, topology):
    """Store a :class:`~microscope_plugin.topology.Topology`; returns the row."""
    row = m.Topology(id=new_id(), project_id=project_id, name=topology.name,
                     edges=[list(e) for e in topology.edges])
    session.add(row)
    session.flush()
    session.execute(sa.insert(m.NF), [
        dict(topology_id=row.id, position=i, name=nf.name, type=nf.type,
             vendor=nf.vendor or '', host=nf.host or '',
             peak_rate_pps=nf.peak_rate_pps, role=nf.role)
        for i, nf in enumerate(topology.nfs)])
    return row


def find_topology(session, project_id, topology):
    """An existing topology of the project equal to ``topology``, or None."""
    rows = session.scalars(sa.select(m.Topology).where(
        m.Topology.project_id == project_id,
        m.Topology.name == topology.name).order_by(m.Topology.created_at))
    want = topology.to_dict()
    for row in rows:
        if topology_object(session, row.id).to_dict() == want:
            return row
    return None


def get_topology(session, topology_id, scope=ALL):
    stmt = _topology_scope(sa.select(m.Topology).where(
        m.Topology.id == topology_id), scope)
    row = session.scalars(stmt).first()
    if row is None:
        raise errors.NotFound('topology', topology_id, 'topology_id')
    return row


def list_topologies(session, scope=ALL, limit=100, marker=None, name=None):
    stmt = _topology_scope(sa.select(m.Topology), scope)
    if name is not None:
        stmt = stmt.where(m.Topology.name == name)
    stmt = page_by_created(session, stmt, m.Topology, limit, marker,
                           'topology')
    return rows(session, stmt, m.Topology)


def delete_topology(session, topology_id, scope=ALL):
    row = get_topology(session, topology_id, scope)
    used = session.scalar(sa.select(sa.func.count()).select_from(
        m.Collection).where(m.Collection.topology_id == row.id))
    if used:
        raise errors.Conflict('topology %s has %d collection(s); delete them '
                              'first' % (row.id, used), 'topology_id')
    session.execute(sa.delete(m.NF).where(m.NF.topology_id == row.id))
    session.delete(row)


def nfs_of(session, topology_id):
    return list(session.scalars(sa.select(m.NF).where(
        m.NF.topology_id == topology_id).order_by(m.NF.position)))


def list_nfs(session, topology_id, vendor=None, type_=None, role=None,
             limit=100, marker=None):
    stmt = sa.select(m.NF).where(m.NF.topology_id == topology_id)
    for col, value in ((m.NF.vendor, vendor), (m.NF.type, type_),
                       (m.NF.role, role)):
        if value is not None:
            stmt = stmt.where(col == value)
    if marker is not None:
        stmt = stmt.where(m.NF.position > int(marker))
    return rows(session, stmt.order_by(m.NF.position).limit(limit), m.NF)


def topology_object(session, topology_id):
    """The stored topology as the engine's :class:`Topology`."""
    row = session.get(m.Topology, topology_id)
    if row is None:
        raise errors.NotFound('topology', topology_id, 'topology_id')
    nfs = tuple(topo_mod.NF(name=n.name, type=n.type, vendor=n.vendor,
                            host=n.host, peak_rate_pps=n.peak_rate_pps,
                            role=n.role) for n in nfs_of(session, row.id))
    return topo_mod.Topology(nfs=nfs, edges=tuple(tuple(e) for e in row.edges),
                             name=row.name)


def vendor_map(session, topology_id):
    """NF name -> vendor for one topology."""
    return {n.name: n.vendor for n in nfs_of(session, topology_id)}


# ---- collections -----------------------------------------------------------

def _collection_scope(stmt, scope):
    if scope.project_id is not None:
        stmt = stmt.where(m.Collection.project_id == scope.project_id)
    if scope.vendor is not None:
        stmt = stmt.where(m.Collection.topology_id.in_(
            _vendor_topologies(scope.vendor)))
    return stmt


def create_collection(session, project_id, topology_id, name):
    row = m.Collection(id=new_id(), project_id=project_id,
                       topology_id=topology_id, name=name, n_files=0,
                       n_blocks=0, n_bursts=0, n_packets=0, stored_bytes=0)
    session.add(row)
    session.flush()
    return row


def find_collection(session, project_id, topology_id, name):
    return session.scalars(sa.select(m.Collection).where(
        m.Collection.project_id == project_id,
        m.Collection.topology_id == topology_id,
        m.Collection.name == name).order_by(m.Collection.created_at)).first()


def get_collection(session, collection_id, scope=ALL, field='collection_id'):
    stmt = _collection_scope(sa.select(m.Collection).where(
        m.Collection.id == collection_id), scope)
    row = session.scalars(stmt).first()
    if row is None:
        raise errors.NotFound('collection', collection_id, field)
    return row


def list_collections(session, scope=ALL, limit=100, marker=None,
                     topology_id=None, start_ns=None, end_ns=None):
    stmt = _collection_scope(sa.select(m.Collection), scope)
    if topology_id is not None:
        stmt = stmt.where(m.Collection.topology_id == topology_id)
    if start_ns is not None:
        stmt = stmt.where(m.Collection.end_ns >= start_ns)
    if end_ns is not None:
        stmt = stmt.where(m.Collection.start_ns < end_ns)
    stmt = page_by_created(session, stmt, m.Collection, limit, marker,
                           'collection')
    return rows(session, stmt, m.Collection)


def delete_collection(session, collection_id, scope=ALL):
    row = get_collection(session, collection_id, scope)
    for model in (m.RecordBlock, m.RecordFile):
        session.execute(sa.delete(model).where(model.collection_id == row.id))
    for d in session.scalars(sa.select(m.Diagnosis.id).where(
            m.Diagnosis.collection_id == row.id)).all():
        from microscope_plugin.db import jobs
        jobs.delete_diagnosis_rows(session, d)
    session.delete(row)


def list_record_files(session, collection_id, limit=100, marker=None):
    stmt = sa.select(m.RecordFile, m.NF.name).join(
        m.NF, m.NF.id == m.RecordFile.nf_id).where(
        m.RecordFile.collection_id == collection_id)
    if marker is not None:
        stmt = stmt.where(m.RecordFile.id > int(marker))
    return list(session.execute(stmt.order_by(m.RecordFile.id).limit(limit)))


def latest_collection(session, scope=ALL, start_ns=None, end_ns=None):
    """The most recently created collection (within ``scope``) holding
    records of [start_ns, end_ns), or None."""
    C = m.Collection
    stmt = _collection_scope(sa.select(C), scope).where(
        C.start_ns.is_not(None))
    if start_ns is not None:
        stmt = stmt.where(C.end_ns >= start_ns)
    if end_ns is not None:
        stmt = stmt.where(C.start_ns < end_ns)
    return session.scalars(stmt.order_by(C.created_at.desc(),
                                         C.id.desc()).limit(1)).first()
