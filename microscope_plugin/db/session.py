"""Engines and sessions for the configured ``[database] connection``.

oslo.db builds the PostgreSQL / MySQL engines (pool settings, MySQL
sql_mode, exception translation such as ``DBDuplicateEntry``).  SQLite
files get a pooled engine with foreign keys, write-ahead logging and a
busy timeout, so an API thread and an engine worker share the embedded
database; its exceptions are translated by oslo.db's filters too.
"""
import contextlib
import os
import threading

import sqlalchemy
from oslo_db.sqlalchemy import engines
from oslo_db.sqlalchemy import exc_filters
from sqlalchemy import orm

_LOCK = threading.Lock()
_ENGINES = {}


def _sqlite_pragmas(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    cur.execute('PRAGMA foreign_keys=ON')
    cur.execute('PRAGMA journal_mode=WAL')
    cur.execute('PRAGMA busy_timeout=30000')
    cur.close()


def make_engine(url, **kwargs):
    """A new engine for ``url``; SQLite file parents are created."""
    parsed = sqlalchemy.engine.make_url(url)
    if parsed.get_backend_name() == 'sqlite' and parsed.database \
            and parsed.database != ':memory:':
        os.makedirs(os.path.dirname(os.path.abspath(parsed.database)),
                    exist_ok=True)
    if parsed.get_backend_name() == 'sqlite':
        # A pooled connection per thread instead of oslo.db's new
        # connection (and pragmas) per session.
        engine = sqlalchemy.create_engine(parsed)
        sqlalchemy.event.listen(engine, 'connect', _sqlite_pragmas)
        exc_filters.register_engine(engine)
        return engine
    kwargs.setdefault('max_retries', 0)
    return engines.create_engine(url, thread_checkin=False, **kwargs)


def get_engine(conf=None):
    """The process-wide engine of ``conf``'s ``[database] connection``."""
    if conf is None:
        from microscope_plugin.conf import CONF as conf
    url = conf.database.connection
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            db = conf.database
            engine = make_engine(
                url, max_pool_size=db.max_pool_size,
                max_overflow=db.max_overflow, pool_timeout=db.pool_timeout,
                connection_recycle_time=db.connection_recycle_time,
                mysql_sql_mode=db.mysql_sql_mode)
            _ENGINES[url] = engine
        return engine


def dispose_all():
    with _LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()


class Database:
    """Session factory bound to one engine; ``with db.begin() as s:`` is
    one transaction (committed on success, rolled back on error)."""

    def __init__(self, engine):
        self.engine = engine
        self._factory = orm.sessionmaker(bind=engine, expire_on_commit=False)

    @classmethod
    def from_conf(cls, conf=None):
        return cls(get_engine(conf))

    @classmethod
    def from_url(cls, url):
        return cls(make_engine(url))

    @contextlib.contextmanager
    def begin(self):
        with self._factory() as session:
            with session.begin():
                yield session

    @property
    def backend(self):
        return self.engine.dialect.name
