"""Fixtures of the DPDK collector tests: the C code is built once per
session into a temporary directory, so a clean clone works."""
import glob
import os
import shutil

import pytest

from microscope_plugin.collector import build as build_mod

RUNTIME_DIR = '/var/run/dpdk'


@pytest.fixture(scope='session')
def dumper_build(tmp_path_factory):
    """The dumper alone (a C compiler and zlib; no DPDK)."""
    reason = build_mod.toolchain_missing()
    if reason:
        pytest.skip('cannot build the collector dumper: ' + reason)
    return build_mod.build(tmp_path_factory.mktemp('collector-dumper'),
                           dumper_only=True)


@pytest.fixture(scope='session')
def artifacts(tmp_path_factory):
    """The shim, the static library and the dumper, built against the
    installed DPDK; the test is skipped (with the reason) without DPDK."""
    reason = build_mod.dpdk_missing()
    if reason:
        pytest.skip('DPDK collector tests need DPDK: ' + reason)
    return build_mod.build(tmp_path_factory.mktemp('collector-build'))


@pytest.fixture
def prefix(request):
    """A unique testpmd --file-prefix for this test; its runtime
    directories under /var/run/dpdk are removed afterwards."""
    name = request.node.name.replace('[', '_').replace(']', '')
    prefix = 'msc-%d-%s' % (os.getpid(), name[-40:])
    yield prefix
    for path in glob.glob(os.path.join(RUNTIME_DIR, prefix + '*')):
        shutil.rmtree(path, ignore_errors=True)
