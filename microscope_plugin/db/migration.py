"""Schema migrations (alembic): upgrade, downgrade, current.

The migration scripts live in ``alembic/`` at the top of the source tree;
an installed package finds them under ``<prefix>/share/microscope/alembic``
(setup.cfg data_files).
"""
import logging
import os
import sys

from alembic import command
from alembic import config as alembic_config
from alembic import migration
from alembic import script

HERE = os.path.dirname(os.path.abspath(__file__))


def script_location():
    candidates = [
        os.path.join(HERE, '..', '..', 'alembic'),
        os.path.join(sys.prefix, 'share', 'microscope', 'alembic'),
        os.path.join('/usr', 'share', 'microscope', 'alembic'),
        os.path.join('/usr', 'local', 'share', 'microscope', 'alembic'),
    ]
    for path in candidates:
        if os.path.isfile(os.path.join(path, 'env.py')):
            return os.path.normpath(path)
    raise RuntimeError('alembic migrations not found (looked in %s)'
                       % ', '.join(os.path.normpath(p) for p in candidates))


def _config(connection):
    cfg = alembic_config.Config()
    cfg.set_main_option('script_location', script_location())
    cfg.attributes['connection'] = connection
    return cfg


def upgrade(engine, revision='head'):
    with engine.begin() as conn:
        command.upgrade(_config(conn), revision)


def downgrade(engine, revision):
    with engine.begin() as conn:
        command.downgrade(_config(conn), revision)


def current(engine):
    """The database's revision (None for an empty database)."""
    logging.getLogger('alembic.runtime.migration').setLevel(logging.WARNING)
    with engine.connect() as conn:
        return migration.MigrationContext.configure(conn).get_current_revision()


def head():
    return script.ScriptDirectory.from_config(_config(None)).get_current_head()


def revisions():
    """(revision, message) from base to head."""
    sd = script.ScriptDirectory.from_config(_config(None))
    return [(r.revision, r.doc) for r in reversed(list(sd.walk_revisions()))]
