"""Base class of the standalone CLI's commands: user mistakes become a
one-line error and exit status 2, not a traceback."""
from cliff import command

from microscope_plugin.emulator.scenario import ScenarioError
from microscope_plugin.topology import TopologyError
from microscope_plugin.trace.format import RecordFormatError

USER_ERRORS = (ScenarioError, TopologyError, RecordFormatError,
               FileNotFoundError, IsADirectoryError, PermissionError)


class UserError(Exception):
    """A mistake in what the user asked for; the message says which."""


class Command(command.Command):
    def run(self, parsed_args):
        try:
            return super().run(parsed_args)
        except USER_ERRORS + (UserError,) as e:
            self.app.stderr.write('microscope %s: error: %s\n'
                                  % (self.cmd_name, e))
            return 2
