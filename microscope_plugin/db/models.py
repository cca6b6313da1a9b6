"""SQLAlchemy models: the catalog, the stored records and the results.

The schema and why it looks like this: docs/storage.md.  Alembic
migrations under ``alembic/versions`` create exactly these tables; a test
compares the two so they cannot drift.

Times are integers: nanoseconds since the Unix epoch (``*_ns``), the
engine's own unit.  Record data is stored as the record format's blocks,
verbatim (compressed, CRC-checked), one row per block.
"""
import datetime

from sqlalchemy import (BigInteger, DateTime, Float, ForeignKey, Index,
                        Integer, JSON, LargeBinary, SmallInteger, String, Text,
                        UniqueConstraint)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# A 64-bit key that is still SQLite's auto-incrementing INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), 'sqlite')
# BLOB is 64 KiB on MySQL/MariaDB; a block is up to a few MiB.
Blob = LargeBinary().with_variant(mysql.LONGBLOB(), 'mysql', 'mariadb')
# JSON documents; MariaDB's JSON is LONGTEXT with a check, which is fine.
Doc = JSON().with_variant(mysql.JSON(), 'mysql', 'mariadb')

NAME = 255
UUID = 36


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Topology(Base):
    """An NF graph (§3): its NF instances are rows of ``nfs``."""

    __tablename__ = 'topologies'
    id: Mapped[str] = mapped_column(String(UUID), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(NAME))
    edges: Mapped[list] = mapped_column(Doc)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)


class NF(Base):
    """An NF instance or a traffic entry tap (role ``source``)."""

    __tablename__ = 'nfs'
    __table_args__ = (UniqueConstraint('topology_id', 'name',
                                       name='uq_nfs_topology_name'),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    topology_id: Mapped[str] = mapped_column(
        String(UUID), ForeignKey('topologies.id', ondelete='CASCADE'), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(NAME))
    type: Mapped[str] = mapped_column(String(64))
    vendor: Mapped[str] = mapped_column(String(NAME), index=True)
    host: Mapped[str] = mapped_column(String(NAME))
    peak_rate_pps: Mapped[float] = mapped_column(Float, nullable=True)
    role: Mapped[str] = mapped_column(String(16))


class Collection(Base):
    """Records of one topology over a time range, from record files."""

    __tablename__ = 'collections'
    id: Mapped[str] = mapped_column(String(UUID), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    topology_id: Mapped[str] = mapped_column(
        String(UUID), ForeignKey('topologies.id', ondelete='CASCADE'), index=True)
    name: Mapped[str] = mapped_column(String(NAME))
    start_ns: Mapped[int] = mapped_column(BigInteger, nullable=True)
    end_ns: Mapped[int] = mapped_column(BigInteger, nullable=True)
    n_files: Mapped[int] = mapped_column(Integer, default=0)
    n_blocks: Mapped[int] = mapped_column(BigInteger, default=0)
    n_bursts: Mapped[int] = mapped_column(BigInteger, default=0)
    n_packets: Mapped[int] = mapped_column(BigInteger, default=0)
    stored_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)


class RecordFile(Base):
    """One collector's record file; identified by its header bytes (NF,
    host, clock anchor), so the same file under another name, or the same
    file grown since, maps to the same row."""

    __tablename__ = 'record_files'
    __table_args__ = (UniqueConstraint('collection_id', 'header_sha256',
                                       name='uq_record_files_header'),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    collection_id: Mapped[str] = mapped_column(
        String(UUID), ForeignKey('collections.id', ondelete='CASCADE'), index=True)
    nf_id: Mapped[int] = mapped_column(BigInteger, ForeignKey('nfs.id'), index=True)
    header_sha256: Mapped[str] = mapped_column(String(64))
    header: Mapped[bytes] = mapped_column(LargeBinary)
    source: Mapped[str] = mapped_column(String(1024))
    host: Mapped[str] = mapped_column(String(NAME))
    role: Mapped[int] = mapped_column(SmallInteger)
    format_version: Mapped[int] = mapped_column(SmallInteger)
    tsc_hz: Mapped[int] = mapped_column(BigInteger)
    file_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    n_blocks: Mapped[int] = mapped_column(Integer, default=0)
    n_packets: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)


class RecordBlock(Base):
    """One block of a record file, verbatim (header + stored payload), with
    its NF, time range in ns and counts as columns for range queries."""

    __tablename__ = 'record_blocks'
    __table_args__ = (
        UniqueConstraint('file_id', 'offset', name='uq_record_blocks_offset'),
        Index('ix_record_blocks_range', 'collection_id', 'nf_id', 'start_ns'),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    collection_id: Mapped[str] = mapped_column(
        String(UUID), ForeignKey('collections.id', ondelete='CASCADE'))
    file_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey('record_files.id', ondelete='CASCADE'))
    nf_id: Mapped[int] = mapped_column(BigInteger, ForeignKey('nfs.id'))
    offset: Mapped[int] = mapped_column(BigInteger)
    start_ns: Mapped[int] = mapped_column(BigInteger)
    end_ns: Mapped[int] = mapped_column(BigInteger)
    n_bursts: Mapped[int] = mapped_column(Integer)
    n_packets: Mapped[int] = mapped_column(Integer)
    n_tuples: Mapped[int] = mapped_column(Integer)
    dropped_packets: Mapped[int] = mapped_column(Integer)
    dropped_bursts: Mapped[int] = mapped_column(Integer)
    crc32: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(Blob)


class Diagnosis(Base):
    """A diagnosis job over a collection's time range, and its outcome."""

    __tablename__ = 'diagnoses'
    id: Mapped[str] = mapped_column(String(UUID), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    collection_id: Mapped[str] = mapped_column(
        String(UUID), ForeignKey('collections.id', ondelete='CASCADE'), index=True)
    diagnoser: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict] = mapped_column(Doc)
    start_ns: Mapped[int] = mapped_column(BigInteger)
    end_ns: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(Text, nullable=True)
    n_tasks: Mapped[int] = mapped_column(Integer, default=0)
    n_victims: Mapped[int] = mapped_column(Integer, default=0)
    n_relations: Mapped[int] = mapped_column(BigInteger, default=0)
    summary: Mapped[dict] = mapped_column(Doc, nullable=True)
    timings: Mapped[dict] = mapped_column(Doc, nullable=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=True)


class DiagnosisTask(Base):
    """One slice of a diagnosis' time range, run by one worker at a time.

    ``heartbeat_at`` is refreshed while it runs; a stale one means the
    worker died and the task is retried or failed (never left running)."""

    __tablename__ = 'diagnosis_tasks'
    __table_args__ = (UniqueConstraint('diagnosis_id', 'seq',
                                       name='uq_diagnosis_tasks_seq'),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    diagnosis_id: Mapped[str] = mapped_column(
        String(UUID), ForeignKey('diagnoses.id', ondelete='CASCADE'), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    start_ns: Mapped[int] = mapped_column(BigInteger)
    end_ns: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str] = mapped_column(String(NAME), nullable=True)
    heartbeat_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=True)
    announced_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=True)
    reason: Mapped[str] = mapped_column(Text, nullable=True)
    timings: Mapped[dict] = mapped_column(Doc, nullable=True)
    n_victims: Mapped[int] = mapped_column(Integer, default=0)
    n_relations: Mapped[int] = mapped_column(BigInteger, default=0)
    started_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=True)


class Victim(Base):
    """A victim (packet, NF where it is diagnosed) with its ranked causes
    as the JSON document the CLI prints (``detail``)."""

    __tablename__ = 'victims'
    __table_args__ = (Index('ix_victims_diag_time', 'diagnosis_id', 'time_ns'),
                      Index('ix_victims_diag_nf', 'diagnosis_id', 'nf'))
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    diagnosis_id: Mapped[str] = mapped_column(
        String(UUID), ForeignKey('diagnoses.id', ondelete='CASCADE'))
    task_seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    nf: Mapped[str] = mapped_column(String(NAME))
    vendor: Mapped[str] = mapped_column(String(NAME))
    time_ns: Mapped[int] = mapped_column(BigInteger)
    latency_ns: Mapped[int] = mapped_column(BigInteger, nullable=True)
    detail: Mapped[dict] = mapped_column(Doc)


class CausalRelations(Base):
    """Causal relations of one task as column arrays (int64 / float64,
    the engine's R_* / F_* columns), ``count`` rows."""

    __tablename__ = 'causal_relations'
    __table_args__ = (UniqueConstraint('diagnosis_id', 'task_seq',
                                       name='uq_causal_relations_task'),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    diagnosis_id: Mapped[str] = mapped_column(
        String(UUID), ForeignKey('diagnoses.id', ondelete='CASCADE'))
    task_seq: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    first_victim_id: Mapped[int] = mapped_column(BigInteger, nullable=True)
    int_columns: Mapped[list] = mapped_column(Doc)
    float_columns: Mapped[list] = mapped_column(Doc)
    ints: Mapped[bytes] = mapped_column(Blob)
    floats: Mapped[bytes] = mapped_column(Blob)
    # the task's relations expanded for §4.4 (RelationRecords columns, npz)
    aggregation_input: Mapped[bytes] = mapped_column(Blob, nullable=True)


class Cause(Base):
    """One ranked cause of one victim: culprit kind, NF, score, interval."""

    __tablename__ = 'causes'
    __table_args__ = (Index('ix_causes_diag_nf', 'diagnosis_id', 'nf'),
                      Index('ix_causes_diag_rank', 'diagnosis_id', 'rank'))
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    diagnosis_id: Mapped[str] = mapped_column(
        String(UUID), ForeignKey('diagnoses.id', ondelete='CASCADE'))
    victim_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey('victims.id', ondelete='CASCADE'), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    nf: Mapped[str] = mapped_column(String(NAME))
    vendor: Mapped[str] = mapped_column(String(NAME))
    victim_nf: Mapped[str] = mapped_column(String(NAME))
    victim_vendor: Mapped[str] = mapped_column(String(NAME))
    score: Mapped[float] = mapped_column(Float)
    share: Mapped[float] = mapped_column(Float)
    start_ns: Mapped[int] = mapped_column(BigInteger)
    end_ns: Mapped[int] = mapped_column(BigInteger)
    culprit_packets: Mapped[int] = mapped_column(BigInteger)
    flows: Mapped[list] = mapped_column(Doc)


class Pattern(Base):
    """A causal pattern (§4.4) of a diagnosis at one threshold."""

    __tablename__ = 'patterns'
    __table_args__ = (Index('ix_patterns_diag_threshold', 'diagnosis_id',
                            'threshold'),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    diagnosis_id: Mapped[str] = mapped_column(
        String(UUID), ForeignKey('diagnoses.id', ondelete='CASCADE'))
    threshold: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    vendors: Mapped[str] = mapped_column(String(1024))
    pattern: Mapped[dict] = mapped_column(Doc)


class ScalingHint(Base):
    """An auto-scaling hint for an NF, derived from a diagnosis."""

    __tablename__ = 'scaling_hints'
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    diagnosis_id: Mapped[str] = mapped_column(
        String(UUID), ForeignKey('diagnoses.id', ondelete='CASCADE'), index=True)
    nf: Mapped[str] = mapped_column(String(NAME))
    vendor: Mapped[str] = mapped_column(String(NAME))
    action: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(Doc, nullable=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)


class Alarm(Base):
    """An alarm sent to an orchestrator or alarm sink, and how it went."""

    __tablename__ = 'alarms'
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    diagnosis_id: Mapped[str] = mapped_column(
        String(UUID), ForeignKey('diagnoses.id', ondelete='CASCADE'), index=True)
    sink: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(1024))
    status: Mapped[str] = mapped_column(String(16))
    http_status: Mapped[int] = mapped_column(Integer, nullable=True)
    error: Mapped[str] = mapped_column(Text, nullable=True)
    payload: Mapped[dict] = mapped_column(Doc)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
