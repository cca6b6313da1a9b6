"""Queries of stored records: ingest a scanned file, load blocks back.

An ingest of one file is one transaction (the caller's): the file row,
its new blocks and the collection's counters commit together or not at
all.  It is idempotent: a block already stored at the same offset of the
same file (same header bytes) is skipped; one that differs is a conflict.
"""
import dataclasses

import sqlalchemy as sa
from oslo_db import exception as db_exc

from microscope_plugin.db import errors
from microscope_plugin.db import models as m


@dataclasses.dataclass
class IngestResult:
    path: str
    nf: str
    file_id: int
    blocks_added: int
    blocks_skipped: int
    packets_added: int
    bytes_added: int

    def to_dict(self):
        return dataclasses.asdict(self)


def _nf_row(session, topology_id, name, path):
    nf = session.scalars(sa.select(m.NF).where(
        m.NF.topology_id == topology_id, m.NF.name == name)).first()
    if nf is None:
        raise errors.Invalid('%s: record file of NF %r, which is not in the '
                             "collection's topology" % (path, name), 'file')
    return nf


def _file_row(session, collection, nf, scanned, source):
    digest = scanned.header_sha256
    stmt = sa.select(m.RecordFile).where(
        m.RecordFile.collection_id == collection.id,
        m.RecordFile.header_sha256 == digest)
    row = session.scalars(stmt).first()
    if row is not None:
        return row, False
    h = scanned.header
    row = m.RecordFile(
        collection_id=collection.id, nf_id=nf.id, header_sha256=digest,
        header=scanned.header_bytes, source=source[-1024:], host=h.host,
        role=h.role, format_version=h.version, tsc_hz=h.tsc_hz,
        file_bytes=0, n_blocks=0, n_packets=0)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except db_exc.DBDuplicateEntry:
        # the same file is being ingested concurrently: use that row
        return session.scalars(stmt).one(), False
    return row, True


def ingest_scanned(session, collection, scanned, source=None):
    """Add the blocks of ``scanned`` (a :class:`ScannedFile`) that are not
    stored yet.  Returns an :class:`IngestResult`."""
    source = source or scanned.path
    nf = _nf_row(session, collection.topology_id, scanned.header.nf_name,
                 source)
    frow, created = _file_row(session, collection, nf, scanned, source)
    have = {} if created else dict(session.execute(
        sa.select(m.RecordBlock.offset, m.RecordBlock.crc32).where(
            m.RecordBlock.file_id == frow.id)).all())
    rows, skipped, packets, nbytes, bursts = [], 0, 0, 0, 0
    for i in range(scanned.n_blocks):
        off = int(scanned.offset[i])
        crc = int(scanned.crc32[i])
        if off in have:
            if have[off] != crc:
                raise errors.Conflict(
                    '%s: block at byte offset %d differs from the block '
                    'already stored at that offset of this file (ingested '
                    'from %s)' % (source, off, frow.source), 'file')
            skipped += 1
            continue
        npk = int(scanned.n_packets[i])
        rows.append(dict(
            collection_id=collection.id, file_id=frow.id, nf_id=nf.id,
            offset=off, start_ns=int(scanned.start_ns[i]),
            end_ns=int(scanned.end_ns[i]), n_bursts=int(scanned.n_bursts[i]),
            n_packets=npk, n_tuples=int(scanned.n_tuples[i]),
            dropped_packets=int(scanned.dropped_packets[i]),
            dropped_bursts=int(scanned.dropped_bursts[i]), crc32=crc,
            data=scanned.block_bytes(i)))
        packets += npk
        bursts += int(scanned.n_bursts[i])
        nbytes += int(scanned.length[i])
    if rows:
        for start in range(0, len(rows), 64):
            session.execute(sa.insert(m.RecordBlock), rows[start:start + 64])
        lo = min(r['start_ns'] for r in rows)
        hi = max(r['end_ns'] for r in rows)
        session.execute(sa.update(m.RecordFile).where(
            m.RecordFile.id == frow.id).values(
            n_blocks=m.RecordFile.n_blocks + len(rows),
            n_packets=m.RecordFile.n_packets + packets,
            file_bytes=sa.case((m.RecordFile.file_bytes < scanned.size,
                                scanned.size),
                               else_=m.RecordFile.file_bytes)))
        C = m.Collection
        session.execute(sa.update(C).where(C.id == collection.id).values(
            n_files=C.n_files + (1 if created else 0),
            n_blocks=C.n_blocks + len(rows), n_bursts=C.n_bursts + bursts,
            n_packets=C.n_packets + packets,
            stored_bytes=C.stored_bytes + nbytes,
            start_ns=sa.case((sa.or_(C.start_ns.is_(None), C.start_ns > lo), lo),
                             else_=C.start_ns),
            end_ns=sa.case((sa.or_(C.end_ns.is_(None), C.end_ns < hi), hi),
                           else_=C.end_ns),
            updated_at=m.utcnow()))
    elif created:
        session.execute(sa.update(m.Collection).where(
            m.Collection.id == collection.id).values(
            n_files=m.Collection.n_files + 1))
    return IngestResult(path=source, nf=nf.name, file_id=frow.id,
                        blocks_added=len(rows), blocks_skipped=skipped,
                        packets_added=packets, bytes_added=nbytes)


def file_headers(session, collection_id):
    """file id -> (NF name, header bytes, source) for a collection."""
    rows = session.execute(sa.select(
        m.RecordFile.id, m.NF.name, m.RecordFile.header, m.RecordFile.source
    ).join(m.NF, m.NF.id == m.RecordFile.nf_id).where(
        m.RecordFile.collection_id == collection_id))
    return {r[0]: (r[1], bytes(r[2]), r[3]) for r in rows}


def iter_blocks(session, collection_id, start_ns=None, end_ns=None):
    """(file_id, offset, data) of the blocks overlapping [start_ns, end_ns),
    per file in file order."""
    B = m.RecordBlock
    stmt = sa.select(B.file_id, B.offset, B.data).where(
        B.collection_id == collection_id)
    if start_ns is not None:
        stmt = stmt.where(B.end_ns >= start_ns)
    if end_ns is not None:
        stmt = stmt.where(B.start_ns < end_ns)
    stmt = stmt.order_by(B.file_id, B.offset).execution_options(yield_per=64)
    for file_id, offset, data in session.execute(stmt):
        yield file_id, offset, data


def block_stats(session, collection_id):
    """Per NF: blocks, packets, first and last ns."""
    B = m.RecordBlock
    rows = session.execute(sa.select(
        m.NF.name, sa.func.count(B.id), sa.func.sum(B.n_packets),
        sa.func.min(B.start_ns), sa.func.max(B.end_ns)).join(
        m.NF, m.NF.id == B.nf_id).where(B.collection_id == collection_id)
        .group_by(m.NF.name))
    return {r[0]: {'blocks': int(r[1]), 'packets': int(r[2] or 0),
                   'start_ns': r[3], 'end_ns': r[4]} for r in rows}
