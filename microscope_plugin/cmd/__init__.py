"""Console scripts of the service (``microscope-api``, ``-engine``,
``-dbsync``)."""
import sys

from oslo_config import cfg
from oslo_log import log

from microscope_plugin import conf


def start_service(argv, prog):
    """Parse the configuration, set up logging and check the plugin names
    it configures; returns 0, or 2 after saying what is wrong."""
    try:
        conf.CONF(sys.argv[1:] if argv is None else argv,
                  project='microscope', prog=prog)
    except cfg.Error as e:
        sys.stderr.write('%s: %s\n' % (prog, e))
        return 2
    log.setup(conf.CONF, prog)
    from microscope_plugin.integrations import plugins
    try:
        plugins.check_conf(conf.CONF)
    except plugins.PluginConfigError as e:
        sys.stderr.write('%s: %s\n' % (prog, e))
        return 2
    return 0
