"""Command-line interfaces: the standalone ``microscope`` CLI (cliff) and,
in :mod:`microscope_plugin.cli.osc`, the OpenStackClient plugin."""
