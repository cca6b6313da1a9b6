"""The devstack plugin: shellcheck-clean, the phases devstack calls are
handled, and the services it starts are the console scripts we ship."""
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
PLUGIN = os.path.join(ROOT, 'devstack', 'plugin.sh')
SETTINGS = os.path.join(ROOT, 'devstack', 'settings')


def test_shellcheck_clean():
    exe = shutil.which('shellcheck')
    if exe is None:
        pytest.skip('shellcheck is not installed (.ci/run installs it)')
    p = subprocess.run([exe, '-x', PLUGIN, SETTINGS],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr


def test_phases_and_services():
    text = open(PLUGIN).read()
    for phase in ('"stack" && "$2" == "install"', '"post-config"',
                  '"extra"', '"unstack"', '"clean"'):
        assert phase in text
    setup = open(os.path.join(ROOT, 'setup.cfg')).read()
    for script in re.findall(r'\$MICROSCOPE_BIN_DIR/(microscope-[a-z]+)', text):
        assert '\n    %s = ' % script in setup, script
    for func in ('install_microscope', 'configure_microscope',
                 'init_microscope', 'start_microscope', 'stop_microscope',
                 'cleanup_microscope'):
        assert re.search(r'^function %s \{' % func, text, re.M)
        assert len(re.findall(r'\b%s\b' % func, text)) >= 2, func


def test_settings_only_assign_and_enable():
    for line in open(SETTINGS):
        line = line.strip()
        if line and not line.startswith('#'):
            assert re.match(r'^(define_plugin|enable_service) |^[A-Z_]+=\$\{',
                            line), line
