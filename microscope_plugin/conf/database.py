"""[database] options: oslo.db's, with the embedded SQLite file as default.

The connection URL selects the backend: ``sqlite:///...`` (embedded
default, under ``state_path``), ``postgresql+psycopg2://...`` or
``mysql+pymysql://...`` (MySQL/MariaDB).
"""
import copy

from oslo_db import options as db_options

DEFAULT_CONNECTION = 'sqlite:///$state_path/microscope.sqlite'


def register_opts(conf):
    db_options.set_defaults(conf, connection=DEFAULT_CONNECTION)


def list_opts():
    opts = copy.deepcopy(db_options.database_opts)
    for opt in opts:
        if opt.name == 'connection':
            opt.default = DEFAULT_CONNECTION
    return [('database', opts)]
