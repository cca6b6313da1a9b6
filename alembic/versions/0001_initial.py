"""Initial schema: catalog, record blocks, diagnoses and their results.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
BLOB = sa.LargeBinary().with_variant(mysql.LONGBLOB(), 'mysql', 'mariadb')
DOC = sa.JSON().with_variant(mysql.JSON(), 'mysql', 'mariadb')


def _id():
    return sa.Column('id', BIG_ID, primary_key=True, autoincrement=True)


def _uuid():
    return sa.Column('id', sa.String(36), primary_key=True)


def _fk(name, table, ondelete='CASCADE', type_=sa.String(36)):
    return sa.Column(name, type_, sa.ForeignKey('%s.id' % table,
                                                ondelete=ondelete),
                     nullable=False)


def _col(name, type_, nullable=False):
    return sa.Column(name, type_, nullable=nullable)


def _str(name, length=255, nullable=False):
    return sa.Column(name, sa.String(length), nullable=nullable)


def _big(*names, nullable=False):
    return [sa.Column(n, sa.BigInteger(), nullable=nullable) for n in names]


def _int(*names):
    return [sa.Column(n, sa.Integer(), nullable=False) for n in names]


# (table, [index columns]) created with the implicit ix_<table>_<col> name.
INDEXES = [
    ('topologies', ['project_id']),
    ('nfs', ['topology_id']), ('nfs', ['vendor']),
    ('collections', ['project_id']), ('collections', ['topology_id']),
    ('record_files', ['collection_id']), ('record_files', ['nf_id']),
    ('diagnoses', ['project_id']), ('diagnoses', ['collection_id']),
    ('diagnoses', ['state']),
    ('diagnosis_tasks', ['diagnosis_id']), ('diagnosis_tasks', ['state']),
    ('causes', ['victim_id']),
    ('scaling_hints', ['diagnosis_id']),
    ('alarms', ['diagnosis_id']),
]
NAMED_INDEXES = [
    ('ix_record_blocks_range', 'record_blocks',
     ['collection_id', 'nf_id', 'start_ns']),
    ('ix_victims_diag_time', 'victims', ['diagnosis_id', 'time_ns']),
    ('ix_victims_diag_nf', 'victims', ['diagnosis_id', 'nf']),
    ('ix_causes_diag_nf', 'causes', ['diagnosis_id', 'nf']),
    ('ix_causes_diag_rank', 'causes', ['diagnosis_id', 'rank']),
    ('ix_patterns_diag_threshold', 'patterns', ['diagnosis_id', 'threshold']),
]
TABLES = ['topologies', 'nfs', 'collections', 'record_files', 'record_blocks',
          'diagnoses', 'diagnosis_tasks', 'victims', 'causal_relations',
          'causes', 'patterns', 'scaling_hints', 'alarms']


def upgrade():
    op.create_table(
        'topologies', _uuid(), _str('project_id', 64), _str('name'),
        _col('edges', DOC), _col('created_at', sa.DateTime()))
    op.create_table(
        'nfs', _id(), _fk('topology_id', 'topologies'), *_int('position'),
        _str('name'), _str('type', 64), _str('vendor'), _str('host'),
        _col('peak_rate_pps', sa.Float(), nullable=True), _str('role', 16),
        sa.UniqueConstraint('topology_id', 'name', name='uq_nfs_topology_name'))
    op.create_table(
        'collections', _uuid(), _str('project_id', 64),
        _fk('topology_id', 'topologies'), _str('name'),
        *_big('start_ns', 'end_ns', nullable=True), *_int('n_files'),
        *_big('n_blocks', 'n_bursts', 'n_packets', 'stored_bytes'),
        _col('created_at', sa.DateTime()), _col('updated_at', sa.DateTime()))
    op.create_table(
        'record_files', _id(), _fk('collection_id', 'collections'),
        _fk('nf_id', 'nfs', None, sa.BigInteger()), _str('header_sha256', 64),
        _col('header', sa.LargeBinary()), _str('source', 1024), _str('host'),
        _col('role', sa.SmallInteger()), _col('format_version', sa.SmallInteger()),
        *_big('tsc_hz', 'file_bytes'), *_int('n_blocks'), *_big('n_packets'),
        _col('created_at', sa.DateTime()),
        sa.UniqueConstraint('collection_id', 'header_sha256',
                            name='uq_record_files_header'))
    op.create_table(
        'record_blocks', _id(), _fk('collection_id', 'collections'),
        _fk('file_id', 'record_files', 'CASCADE', sa.BigInteger()),
        _fk('nf_id', 'nfs', None, sa.BigInteger()),
        *_big('offset', 'start_ns', 'end_ns'),
        *_int('n_bursts', 'n_packets', 'n_tuples', 'dropped_packets',
              'dropped_bursts'),
        *_big('crc32'), _col('data', BLOB),
        sa.UniqueConstraint('file_id', 'offset', name='uq_record_blocks_offset'))
    op.create_table(
        'diagnoses', _uuid(), _str('project_id', 64),
        _fk('collection_id', 'collections'), _str('diagnoser', 64),
        _col('params', DOC), *_big('start_ns', 'end_ns'), _str('state', 16),
        _col('reason', sa.Text(), nullable=True), *_int('n_tasks', 'n_victims'),
        *_big('n_relations'), _col('summary', DOC, nullable=True),
        _col('timings', DOC, nullable=True), _col('created_at', sa.DateTime()),
        _col('started_at', sa.DateTime(), nullable=True),
        _col('finished_at', sa.DateTime(), nullable=True))
    op.create_table(
        'diagnosis_tasks', _id(), _fk('diagnosis_id', 'diagnoses'),
        *_int('seq'), *_big('start_ns', 'end_ns'), _str('state', 16),
        *_int('attempts'), _str('worker', nullable=True),
        _col('heartbeat_at', sa.DateTime(), nullable=True),
        _col('announced_at', sa.DateTime(), nullable=True),
        _col('reason', sa.Text(), nullable=True),
        _col('timings', DOC, nullable=True), *_int('n_victims'),
        *_big('n_relations'),
        _col('started_at', sa.DateTime(), nullable=True),
        _col('finished_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('diagnosis_id', 'seq', name='uq_diagnosis_tasks_seq'))
    op.create_table(
        'victims', _id(), _fk('diagnosis_id', 'diagnoses'), *_int('task_seq'),
        _str('kind', 16), _str('nf'), _str('vendor'), *_big('time_ns'),
        *_big('latency_ns', nullable=True), _col('detail', DOC))
    op.create_table(
        'causal_relations', _id(), _fk('diagnosis_id', 'diagnoses'),
        *_int('task_seq', 'count'), *_big('first_victim_id', nullable=True),
        _col('int_columns', DOC), _col('float_columns', DOC),
        _col('ints', BLOB), _col('floats', BLOB),
        _col('aggregation_input', BLOB, nullable=True),
        sa.UniqueConstraint('diagnosis_id', 'task_seq',
                            name='uq_causal_relations_task'))
    op.create_table(
        'causes', _id(), _fk('diagnosis_id', 'diagnoses'),
        _fk('victim_id', 'victims', 'CASCADE', sa.BigInteger()),
        *_int('rank'), _str('kind', 16), _str('nf'), _str('vendor'),
        _str('victim_nf'), _str('victim_vendor'),
        _col('score', sa.Float()), _col('share', sa.Float()),
        *_big('start_ns', 'end_ns', 'culprit_packets'), _col('flows', DOC))
    op.create_table(
        'patterns', _id(), _fk('diagnosis_id', 'diagnoses'),
        _col('threshold', sa.Float()), *_int('rank'), _col('score', sa.Float()),
        _str('vendors', 1024), _col('pattern', DOC))
    op.create_table(
        'scaling_hints', _id(), _fk('diagnosis_id', 'diagnoses'), _str('nf'),
        _str('vendor'), _str('action', 32), _col('score', sa.Float()),
        _col('reason', sa.Text()), _col('detail', DOC, nullable=True),
        _col('created_at', sa.DateTime()))
    op.create_table(
        'alarms', _id(), _fk('diagnosis_id', 'diagnoses'), _str('sink', 64),
        _str('target', 1024), _str('status', 16),
        _col('http_status', sa.Integer(), nullable=True),
        _col('error', sa.Text(), nullable=True), _col('payload', DOC),
        _col('created_at', sa.DateTime()))
    for table, cols in INDEXES:
        op.create_index(op.f('ix_%s_%s' % (table, '_'.join(cols))), table, cols)
    for name, table, cols in NAMED_INDEXES:
        op.create_index(name, table, cols)


def downgrade():
    for table in reversed(TABLES):
        op.drop_table(table)
