"""Loading plugins by name from their stevedore namespaces, and checking
the configured names when a service starts.

A name that no installed entry point provides is a
:class:`PluginConfigError` naming the option, the bad value and the valid
names, raised by :func:`check_conf` before the API serves a request or an
engine worker consumes a job.
"""
from stevedore import driver
from stevedore import exception as stevedore_exc
from stevedore import extension

DEPLOYERS = 'microscope.collector_deployers'
SINKS = 'microscope.alarm_sinks'
DIAGNOSERS = 'microscope.diagnosers'


class PluginConfigError(ValueError):
    """A configured plugin name that is not installed."""

    def __init__(self, option, value, namespace, valid):
        self.option, self.value, self.valid = option, value, valid
        super().__init__(
            '%s = %r: no such plugin in %s (valid: %s)'
            % (option, value, namespace, ', '.join(valid) or 'none installed'))


def names(namespace):
    return sorted(extension.ExtensionManager(namespace).names())


def load(namespace, name, *args, option=None, **kwargs):
    """Instantiate plugin ``name`` of ``namespace`` with the arguments."""
    try:
        return driver.DriverManager(namespace, name, invoke_on_load=True,
                                    invoke_args=args,
                                    invoke_kwds=kwargs).driver
    except stevedore_exc.NoMatches:
        raise PluginConfigError(option or namespace, name, namespace,
                                names(namespace))


def check_conf(conf):
    """Raise PluginConfigError for the first configured plugin name that
    is not installed; returns the checked names otherwise."""
    deployers, sinks = names(DEPLOYERS), names(SINKS)
    ig = conf.integrations
    if ig.collector_deployer not in deployers:
        raise PluginConfigError('[integrations] collector_deployer',
                                ig.collector_deployer, DEPLOYERS, deployers)
    for name in ig.alarm_sinks:
        if name not in sinks:
            raise PluginConfigError('[integrations] alarm_sinks', name,
                                    SINKS, sinks)
    return {'collector_deployer': ig.collector_deployer,
            'alarm_sinks': list(ig.alarm_sinks)}


def load_sinks(conf):
    return [load(SINKS, n, conf, option='[integrations] alarm_sinks')
            for n in conf.integrations.alarm_sinks]


def load_deployer(conf, name=None):
    return load(DEPLOYERS, name or conf.integrations.collector_deployer, conf,
                option='[integrations] collector_deployer')
