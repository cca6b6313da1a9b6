"""Ingest speed and compactness of stored records, SQLite and PostgreSQL.

    python benchmarks/ingest_speed.py [--run DIR | --duration 5] [--pg URL]

Emulates the paper's scenario (unless --run names an existing run),
ingests its record files into a fresh SQLite file and a fresh PostgreSQL
database (PostgreSQL skipped if unreachable), and prints packet-records
per second of ingest, re-ingest (idempotent, adds nothing) and load-back
(blocks decoded into numpy columns), and stored bytes per packet-record.
"""
import argparse
import dataclasses
import os
import sys
import tempfile
import time
import uuid

import sqlalchemy as sa

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))

from microscope_plugin import emulator  # noqa: E402
from microscope_plugin import ingest  # noqa: E402
from microscope_plugin.db import migration, session  # noqa: E402
from microscope_plugin.engine import loader  # noqa: E402

PG_ADMIN = 'postgresql+psycopg2://postgres@127.0.0.1:5432/test'


def make_run(duration, out):
    sc = emulator.load_scenario('paper16')
    sc = dataclasses.replace(sc, duration_s=duration)
    t = time.perf_counter()
    emulator.run_to_directory(sc, out, counterfactual=False)
    print('emulated %.1f s of the paper16 scenario in %.1f s -> %s'
          % (duration, time.perf_counter() - t, out))
    return out


def bench(url, run, label):
    db = session.Database.from_url(url)
    migration.upgrade(db.engine)
    topo = ingest.load_topology(os.path.join(run, 'topology.json'))
    cid = ingest.ensure_collection(db, 'bench', topo, 'bench')
    files = ingest.expand_paths([run])
    file_bytes = sum(os.path.getsize(f) for f in files)
    t = time.perf_counter()
    n = sum(ingest.ingest_path(db, cid, f).packets_added for f in files)
    dt = time.perf_counter() - t
    t = time.perf_counter()
    again = sum(ingest.ingest_path(db, cid, f).blocks_added for f in files)
    dt2 = time.perf_counter() - t
    t = time.perf_counter()
    recs = loader.load_records(db, cid)
    dt3 = time.perf_counter() - t
    loaded = sum(len(r.packets) for r in recs)
    with db.engine.connect() as c:
        stored = c.execute(sa.text(
            'SELECT SUM(LENGTH(data)) FROM record_blocks')).scalar()
    print('%-10s ingest %9d packet-records in %6.2f s = %5.2f M records/s '
          '(%d files, %.1f MB)' % (label, n, dt, n / dt / 1e6, len(files),
                                   file_bytes / 1e6))
    print('%-10s re-ingest added %d blocks in %.2f s; load back %d records '
          'in %.2f s = %.2f M records/s' % (label, again, dt2, loaded, dt3,
                                            loaded / dt3 / 1e6))
    print('%-10s stored %.1f MB of block data = %.2f bytes per packet-record'
          % (label, stored / 1e6, stored / max(n, 1)))
    db.engine.dispose()
    return n / dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--run', help='an existing emulator output directory')
    ap.add_argument('--duration', type=float, default=5.0,
                    help='seconds to emulate when --run is not given')
    ap.add_argument('--pg', default=PG_ADMIN,
                    help='PostgreSQL URL of a database where a scratch '
                         'database may be created')
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix='microscope-bench-') as tmp:
        run = args.run or make_run(args.duration, os.path.join(tmp, 'run'))
        bench('sqlite:///%s' % os.path.join(tmp, 'bench.sqlite'), run,
              'SQLite')
        name = 'microscope_bench_%s' % uuid.uuid4().hex[:8]
        try:
            admin = sa.create_engine(args.pg, isolation_level='AUTOCOMMIT')
            with admin.connect() as c:
                c.execute(sa.text('CREATE DATABASE %s' % name))
        except Exception as e:
            print('PostgreSQL    skipped: %s' % e)
            return
        try:
            url = sa.engine.make_url(args.pg).set(database=name)
            bench(url.render_as_string(hide_password=False), run, 'PostgreSQL')
        finally:
            session.dispose_all()
            with admin.connect() as c:
                c.execute(sa.text('DROP DATABASE IF EXISTS %s WITH (FORCE)'
                                  % name))


if __name__ == '__main__':
    main()
