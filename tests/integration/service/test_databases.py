"""Migrations, drift and ingest on the PostgreSQL and MariaDB servers."""
import os

import pytest

from microscope_plugin import ingest
from microscope_plugin.db import session
from microscope_plugin.engine import loader
from microscope_plugin.trace import read_records
from microscope_plugin.trace.format import RecordFormatError
from tests.functional.test_storage import check_migrations, counts, files_of


def _ingest_checks(url, small_run, tmp_path):
    db = session.Database.from_url(url)
    try:
        check_migrations(db.engine)
        topo = ingest.load_topology(os.path.join(small_run, 'topology.json'))
        cid = ingest.ensure_collection(db, 'p', topo, 'run')
        for f in files_of(small_run):
            assert ingest.ingest_path(db, cid, f).blocks_added > 0
        before = counts(db, cid)
        for f in files_of(small_run):
            assert ingest.ingest_path(db, cid, f).blocks_added == 0
        assert counts(db, cid) == before
        bad = tmp_path / 'bad.msr'
        bad.write_bytes(open(files_of(small_run)[0], 'rb').read()[:-9])
        with pytest.raises(RecordFormatError):
            ingest.ingest_path(db, cid, bad)
        assert counts(db, cid) == before
        got = {r.nf_name: r for r in loader.load_records(db, cid)}
        for f in files_of(small_run)[:3]:
            want = read_records(f)
            assert (got[want.nf_name].packets.ipid == want.packets.ipid).all()
            assert (got[want.nf_name].bursts.tsc == want.bursts.tsc).all()
    finally:
        db.engine.dispose()


@pytest.mark.postgresql
def test_postgresql_migrations_and_ingest(pg_url, small_run, tmp_path):
    _ingest_checks(pg_url, small_run, tmp_path)


@pytest.mark.mysql
def test_mariadb_migrations_and_ingest(mysql_url, small_run, tmp_path):
    _ingest_checks(mysql_url, small_run, tmp_path)
