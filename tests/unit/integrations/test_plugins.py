"""Plugin points: the registered implementations load, and an unknown name
in the configuration stops the API and the engine at start-up with the
option, the bad value and the valid names."""
import subprocess
import sys

import pytest

from microscope_plugin.api import app
from microscope_plugin.engine import worker
from microscope_plugin.integrations import plugins
from tests import servicelib


def conf(tmp_path, **overrides):
    return servicelib.make_conf('sqlite:///%s' % (tmp_path / 'x.sqlite'),
                                tmp_path, **overrides)


def test_each_plugin_point_has_two_implementations():
    assert {'local', 'tacker'} <= set(plugins.names(plugins.DEPLOYERS))
    assert {'aodh', 'tacker_prometheus', 'notifications', 'log'} <= \
        set(plugins.names(plugins.SINKS))
    assert {'microscope', 'netmedic'} <= set(plugins.names(plugins.DIAGNOSERS))


def test_every_registered_plugin_loads(tmp_path):
    c = conf(tmp_path)
    for ns in (plugins.DEPLOYERS, plugins.SINKS):
        for name in plugins.names(ns):
            obj = plugins.load(ns, name, c)
            assert obj.name == name


@pytest.mark.parametrize('option,value,needle', [
    ('integrations.alarm_sinks', ['log', 'aodhh'],
     "[integrations] alarm_sinks = 'aodhh'"),
    ('integrations.collector_deployer', 'ssh',
     "[integrations] collector_deployer = 'ssh'"),
])
def test_unknown_name_fails_api_and_engine_start(tmp_path, option, value,
                                                 needle):
    c = conf(tmp_path, **{option: value})
    with pytest.raises(plugins.PluginConfigError) as e:
        app.setup_app(c)
    msg = str(e.value)
    assert needle in msg and 'valid:' in msg
    valid = plugins.names(plugins.SINKS if 'sinks' in option
                          else plugins.DEPLOYERS)
    assert all(n in msg for n in valid)
    with pytest.raises(plugins.PluginConfigError):
        worker.Worker(c, db=None).start()


def test_services_exit_2_with_the_message(tmp_path):
    cfg = tmp_path / 'm.conf'
    cfg.write_text('[DEFAULT]\nstate_path = %s\n[integrations]\n'
                   'alarm_sinks = log,nowhere\n' % tmp_path)
    for cmd in ('microscope_plugin.cmd.api', 'microscope_plugin.cmd.engine'):
        p = subprocess.run([sys.executable, '-m', cmd, '--config-file',
                            str(cfg)], capture_output=True, text=True,
                           timeout=60)
        assert p.returncode == 2, p.stderr[-2000:]
        assert "alarm_sinks = 'nowhere'" in p.stderr
