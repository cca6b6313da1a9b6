"""The storage API: every query Microscope issues lives in this package
(``catalog``, ``records``, ``jobs``, ``results``); this module gathers
them under one name for the service layers.

    from microscope_plugin.db import api as dbapi
    with db.begin() as session:
        dbapi.get_collection(session, collection_id, scope)
"""
from microscope_plugin.db.catalog import *  # noqa: F401,F403
from microscope_plugin.db.jobs import *  # noqa: F401,F403
from microscope_plugin.db.query import ALL, Scope  # noqa: F401
from microscope_plugin.db.records import *  # noqa: F401,F403
from microscope_plugin.db.results import *  # noqa: F401,F403
from microscope_plugin.db.reports import *  # noqa: F401,F403
