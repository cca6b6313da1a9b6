"""Storage on SQLite: migrations, drift, ingest (atomic, idempotent,
damaged files), loading blocks back as the reader would."""
import glob
import os
import shutil

import numpy as np
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from microscope_plugin import ingest
from microscope_plugin.db import api as dbapi
from microscope_plugin.db import errors
from microscope_plugin.db import migration
from microscope_plugin.db import models
from microscope_plugin.db import session
from microscope_plugin.engine import loader
from microscope_plugin.trace import read_records
from microscope_plugin.trace.format import RecordFormatError


def schema_diff(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={'compare_type': True})
        return compare_metadata(ctx, models.Base.metadata)


def check_migrations(engine):
    """Up to head: exactly the models; down to base: nothing left."""
    assert migration.current(engine) is None
    migration.upgrade(engine)
    assert migration.current(engine) == migration.head()
    assert schema_diff(engine) == []
    tables = set(sa.inspect(engine).get_table_names())
    assert set(models.Base.metadata.tables) <= tables
    migration.downgrade(engine, 'base')
    assert migration.current(engine) is None
    assert set(sa.inspect(engine).get_table_names()) <= {'alembic_version'}
    migration.upgrade(engine)
    assert schema_diff(engine) == []


def test_migrations_up_down_and_no_drift_sqlite(sqlite_url):
    engine = session.make_engine(sqlite_url)
    check_migrations(engine)
    engine.dispose()


@pytest.fixture
def collection(db, small_run):
    topo = ingest.load_topology(os.path.join(small_run, 'topology.json'))
    return ingest.ensure_collection(db, 'p1', topo, 'run')


def files_of(run):
    return sorted(glob.glob(os.path.join(run, 'records', '*.msr')))


def counts(db, cid):
    with db.begin() as s:
        c = dbapi.get_collection(s, cid)
        n = s.scalar(sa.select(sa.func.count()).select_from(models.RecordBlock))
        return c.n_files, c.n_blocks, c.n_packets, n


def test_ingest_roundtrip_matches_reader(db, collection, small_run):
    total = 0
    for f in files_of(small_run):
        r = ingest.ingest_path(db, collection, f)
        assert r.blocks_added > 0 and r.blocks_skipped == 0
        total += r.packets_added
    files, blocks, packets, rows = counts(db, collection)
    assert files == len(files_of(small_run)) and packets == total
    assert rows == blocks
    loaded = {r.nf_name: r for r in loader.load_records(db, collection)}
    for f in files_of(small_run):
        want = read_records(f)
        got = loaded[want.nf_name]
        assert got.header == want.header
        for col in ('tsc', 'count', 'direction', 'max_pkts', 'port'):
            assert np.array_equal(getattr(got.bursts, col),
                                  getattr(want.bursts, col))
        for col in ('ipid', 'ipv4', 'has_tuple', 'src', 'dport'):
            assert np.array_equal(getattr(got.packets, col),
                                  getattr(want.packets, col))
    with db.begin() as s:
        c = dbapi.get_collection(s, collection)
        assert c.start_ns < c.end_ns


def test_reingest_adds_nothing(db, collection, small_run, tmp_path):
    for f in files_of(small_run):
        ingest.ingest_path(db, collection, f)
    before = counts(db, collection)
    # the same files again, and one under another name
    for f in files_of(small_run):
        r = ingest.ingest_path(db, collection, f)
        assert r.blocks_added == 0 and r.blocks_skipped > 0
    copy = tmp_path / 'renamed.msr'
    shutil.copy(files_of(small_run)[0], copy)
    assert ingest.ingest_path(db, collection, copy).blocks_added == 0
    assert counts(db, collection) == before


def test_grown_file_adds_only_new_blocks(db, collection, small_run, tmp_path):
    f = files_of(small_run)[0]
    data = open(f, 'rb').read()
    from microscope_plugin.trace import scan
    full = scan.scan_bytes(data, f)
    assert full.n_blocks >= 2
    cut = int(full.offset[1])
    part = tmp_path / 'part.msr'
    part.write_bytes(data[:cut])
    assert ingest.ingest_path(db, collection, part).blocks_added == 1
    r = ingest.ingest_path(db, collection, f)
    assert (r.blocks_added, r.blocks_skipped) == (full.n_blocks - 1, 1)


@pytest.mark.parametrize('damage', ['truncate', 'flip'])
def test_damaged_file_is_reported_and_adds_nothing(db, collection, small_run,
                                                   tmp_path, damage):
    f = files_of(small_run)[0]
    data = bytearray(open(f, 'rb').read())
    from microscope_plugin.trace import scan
    full = scan.scan_bytes(bytes(data), f)
    last = int(full.offset[-1])
    if damage == 'truncate':
        data = data[:-7]
    else:
        data[last + 100] ^= 0xFF
    bad = tmp_path / 'bad.msr'
    bad.write_bytes(bytes(data))
    with pytest.raises(RecordFormatError) as e:
        ingest.ingest_path(db, collection, bad)
    assert e.value.offset == last
    assert str(bad) in str(e.value)
    assert counts(db, collection) == (0, 0, 0, 0)


def test_conflicting_block_is_refused(db, collection, small_run, tmp_path):
    """Same file identity (header), different block at an offset."""
    from microscope_plugin.trace import block, format as fmt
    f = files_of(small_run)[0]
    data = open(f, 'rb').read()
    recs = read_records(f)
    hdr_size = fmt.unpack_header(data, f)[1]
    first = block.decode_block(data, hdr_size, f)
    b = first[0].slice(0, 1)
    p = first[1].slice(0, int(b.count[0]))
    other = data[:hdr_size] + block.encode_block(b, p)
    path = tmp_path / 'other.msr'
    path.write_bytes(other)
    ingest.ingest_path(db, collection, f)
    with pytest.raises(errors.Conflict) as e:
        ingest.ingest_path(db, collection, path)
    assert 'offset %d' % hdr_size in str(e.value)
    assert recs.n_blocks == counts(db, collection)[1]


def test_unknown_nf_is_refused(db, small_run):
    from microscope_plugin.topology import NF, Topology
    topo = Topology(nfs=(NF('only', 'nat'),), name='tiny')
    cid = ingest.ensure_collection(db, 'p1', topo, 'x')
    with pytest.raises(errors.Invalid) as e:
        ingest.ingest_path(db, cid, files_of(small_run)[0])
    assert e.value.field == 'file'
    assert counts(db, cid) == (0, 0, 0, 0)


def test_load_time_range_selects_blocks(db, collection, small_run):
    for f in files_of(small_run):
        ingest.ingest_path(db, collection, f)
    with db.begin() as s:
        c = dbapi.get_collection(s, collection)
    mid = (c.start_ns + c.end_ns) // 2
    part = loader.load_records(db, collection, mid, mid + 1)
    full = loader.load_records(db, collection)
    assert 0 < sum(len(r.packets) for r in part) < \
        sum(len(r.packets) for r in full)
