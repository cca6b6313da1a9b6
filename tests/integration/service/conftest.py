"""Integration fixtures: a fresh database on the PostgreSQL / MariaDB and
a fresh vhost on the RabbitMQ running on this machine (dropped after).
A test is skipped, with the reason, when its server is unreachable."""
import shutil
import socket
import subprocess

import pytest
import sqlalchemy as sa

from tests import servicelib

PG_ADMIN = 'postgresql+psycopg2://postgres@127.0.0.1:5432/test'
MY_ADMIN = 'mysql+pymysql://root@127.0.0.1:3306/test'


def reachable(port):
    try:
        socket.create_connection(('127.0.0.1', port), timeout=2).close()
        return True
    except OSError:
        return False


def _fresh_db(admin_url, kind, url_of):
    name = servicelib.unique()
    try:
        admin = sa.create_engine(admin_url, isolation_level='AUTOCOMMIT')
        with admin.connect() as c:
            c.execute(sa.text('CREATE DATABASE %s' % name))
    except Exception as e:
        pytest.skip('%s unusable: %s' % (kind, e))
    try:
        yield url_of(name)
    finally:
        with admin.connect() as c:
            drop = 'DROP DATABASE IF EXISTS %s' % name
            if kind == 'PostgreSQL':
                drop += ' WITH (FORCE)'
            c.execute(sa.text(drop))
        admin.dispose()


@pytest.fixture
def pg_url():
    if not reachable(5432):
        pytest.skip('PostgreSQL is not reachable on 127.0.0.1:5432')
    yield from _fresh_db(PG_ADMIN, 'PostgreSQL', lambda n:
                         'postgresql+psycopg2://postgres@127.0.0.1:5432/' + n)


@pytest.fixture
def mysql_url():
    if not reachable(3306):
        pytest.skip('MariaDB/MySQL is not reachable on 127.0.0.1:3306')
    yield from _fresh_db(MY_ADMIN, 'MariaDB', lambda n:
                         'mysql+pymysql://root@127.0.0.1:3306/%s?charset=utf8mb4'
                         % n)


@pytest.fixture
def rabbit_url():
    """transport_url of a fresh vhost (or of / with a unique topic when
    rabbitmqctl is not at hand: the test then sets the topic)."""
    if not reachable(5672):
        pytest.skip('RabbitMQ is not reachable on 127.0.0.1:5672')
    ctl = shutil.which('rabbitmqctl')
    vhost = servicelib.unique('microscope')
    if ctl is None:
        yield 'rabbit://guest:guest@127.0.0.1:5672/'
        return

    def rc(*args):
        subprocess.run([ctl] + list(args), check=True, capture_output=True,
                       timeout=60)
    rc('add_vhost', vhost)
    rc('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*')
    try:
        yield 'rabbit://guest:guest@127.0.0.1:5672/' + vhost
    finally:
        rc('delete_vhost', vhost)
