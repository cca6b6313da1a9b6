"""What happens at each LCM step, shared by the v1 driver and the v2
script: deploy the collector on every VNFC's host after instantiate,
refresh after scale and heal, remove (and fetch the last records) before
terminate.  Returns a report per VNFC; a host that fails is reported, the
others are still handled, and the caller decides whether to fail."""
import logging
import os

from oslo_config import cfg

from microscope_plugin.integrations import plugins
from microscope_plugin.integrations.deployers.base import DeployError
from microscope_plugin.integrations.tacker import vnf_info

LOG = logging.getLogger(__name__)
CONFIG_ENV = 'MICROSCOPE_CONFIG_FILE'
DEFAULT_CONFIG = '/etc/microscope/microscope.conf'


def load_conf(config_file=None):
    """Microscope's options in a ConfigOpts of their own (Tacker's global
    CONF stays untouched), read from ``config_file``,
    $MICROSCOPE_CONFIG_FILE or /etc/microscope/microscope.conf."""
    from microscope_plugin import conf as mconf
    path = config_file or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG
    conf = cfg.ConfigOpts()
    mconf.register_all(conf)
    files = [path] if os.path.exists(path) else []
    conf([], project='microscope', default_config_files=files,
         default_config_dirs=[])
    return conf


def _each(deployer, action, vnf_instance):
    report = []
    for t in vnf_info.targets(vnf_instance):
        try:
            res = getattr(deployer, action)(t)
            report.append(dict(t, ok=True, result=res))
        except DeployError as e:
            LOG.error('microscope collector %s on %s: %s', action,
                      t.get('host'), e)
            report.append(dict(t, ok=False, error=str(e)))
    return report


class Lifecycle:
    def __init__(self, conf=None, deployer=None):
        self.conf = conf or load_conf()
        # [integrations] collector_deployer: ``tacker`` for VNFs on compute
        # nodes (devstack sets it when Tacker is enabled)
        self.deployer = deployer or plugins.load_deployer(self.conf)

    def deploy(self, vnf_instance):
        return _each(self.deployer, 'deploy', vnf_instance)

    def refresh(self, vnf_instance):
        return _each(self.deployer, 'refresh', vnf_instance)

    def remove(self, vnf_instance):
        return _each(self.deployer, 'remove', vnf_instance)
