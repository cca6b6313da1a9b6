"""Functional tests: the API and storage on an SQLite file, over real HTTP
on loopback, with the in-process messaging driver and engine worker."""
import pytest

from microscope_plugin.api import policies
from microscope_plugin.cmd import api as api_cmd
from microscope_plugin.db import migration
from microscope_plugin.db import session
from microscope_plugin.integrations import delivery
from tests import servicelib


@pytest.fixture
def sqlite_url(tmp_path):
    return 'sqlite:///%s' % (tmp_path / 'microscope.sqlite')


@pytest.fixture
def db(sqlite_url):
    database = session.Database.from_url(sqlite_url)
    migration.upgrade(database.engine)
    yield database
    database.engine.dispose()


def start_api(tmp_path, db_url, prepare=None, **overrides):
    conf = servicelib.make_conf(db_url, tmp_path, **overrides)
    if prepare is not None:
        prepare(conf)
    migration.upgrade(session.get_engine(conf))
    policies.reset()
    server, engine, url = api_cmd.serve_in_thread(conf)
    return conf, server, engine, url


@pytest.fixture
def api(tmp_path, sqlite_url):
    """(client, conf) of an API with an embedded engine worker."""
    conf, server, engine, url = start_api(
        tmp_path, sqlite_url, **{'api.vendor_projects': {
            'bravo-project': 'Bravo Security'}})
    yield servicelib.Client(url), conf
    server.shutdown()
    server.server_close()
    if engine is not None:
        engine.stop()
    delivery.stop_all()   # no alarm thread outlives the test
    policies.reset()
    session.dispose_all()


@pytest.fixture
def diagnosed(api, small_run):
    """An API holding the small run and a finished diagnosis of it."""
    client, conf = api
    topo, coll = servicelib.upload_run(client, small_run)
    st, d = client.post('/v1/diagnoses', json={'collection_id': coll['id']})
    assert st == 202, d
    d = servicelib.wait_diagnosis(client, d['id'])
    assert d['state'] == 'succeeded', d
    return client, conf, topo, coll, d
