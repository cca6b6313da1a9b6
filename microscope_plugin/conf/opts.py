"""Entry point for ``oslo-config-generator`` (namespace ``microscope``)."""
from microscope_plugin import conf


def list_opts():
    result = []
    for module in conf.MODULES:
        result.extend(module.list_opts())
    return result
