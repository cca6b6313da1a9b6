"""Alembic environment of Microscope's database.

Run through ``microscope-dbsync`` (which passes the engine of
``[database] connection``), or plain ``alembic -c alembic.ini`` with
``-x url=...``.
"""
from alembic import context

from microscope_plugin.db import models
from microscope_plugin.db import session as db_session

target_metadata = models.Base.metadata


def run_migrations_online():
    config = context.config
    connection = config.attributes.get('connection')
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get('url') \
        or config.get_main_option('sqlalchemy.url')
    engine = db_session.make_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


def _run(connection):
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == 'sqlite',
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit('offline (--sql) migrations are not supported; run '
                     'microscope-dbsync against a database')
run_migrations_online()
