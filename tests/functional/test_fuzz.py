"""schemathesis against the served OpenAPI document: no server errors.

A short run (few examples per operation) so the suite stays quick;
``benchmarks/api_fuzz.py`` runs the long one."""
import os
import shutil
import subprocess
import sys

import pytest

from tests import servicelib


def test_no_server_errors(api, small_run, tmp_path):
    exe = os.path.join(os.path.dirname(sys.executable), 'schemathesis')
    if not os.path.exists(exe):
        exe = shutil.which('schemathesis')
    if exe is None:
        pytest.skip('schemathesis is not installed')
    client, _ = api
    servicelib.upload_run(client, small_run)
    r = subprocess.run(
        [exe, 'run', client.base + '/v1/openapi.json', '--url', client.base,
         '--checks', 'not_a_server_error', '-n', '8', '--seed', '7',
         '--phases', 'coverage,fuzzing,stateful', '--request-timeout', '30',
         '--no-color'], capture_output=True, text=True, timeout=600,
        cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-4000:]
    assert 'passed' in r.stdout
