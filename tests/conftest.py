"""Session fixtures shared by the service tests."""
import pytest

from tests import servicelib


@pytest.fixture(scope='session')
def small_run(tmp_path_factory):
    """A 60 ms emulated run of the paper's scenario (16 NFs + 1 tap)."""
    return servicelib.make_run(tmp_path_factory.mktemp('run'))
