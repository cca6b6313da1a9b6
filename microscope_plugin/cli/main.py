"""The standalone ``microscope`` command (cliff), for local/offline use.

Commands are cliff commands registered under the ``microscope.cli``
entry-point namespace (setup.cfg); configuration comes from oslo.config
(``--config-file``), logging from oslo.log.
"""
import sys

from cliff import app
from cliff import commandmanager
from oslo_config import cfg
from oslo_log import log

from microscope_plugin import conf

VERSION = '0.1'


class MicroscopeApp(app.App):
    def __init__(self):
        super().__init__(
            description='Microscope: queue-based performance diagnosis for '
                        'network functions.',
            version=VERSION,
            command_manager=commandmanager.CommandManager('microscope.cli'),
            deferred_help=True)

    def build_option_parser(self, description, version, argparse_kwargs=None):
        parser = super().build_option_parser(description, version,
                                             argparse_kwargs)
        parser.add_argument('--config-file', action='append', default=[],
                            metavar='PATH',
                            help='oslo.config file (repeatable); default: '
                                 'the usual microscope.conf locations.')
        return parser

    def configure_logging(self):
        # oslo.log owns logging; cliff's -v/-q map onto its debug flag.
        pass

    def initialize_app(self, argv):
        args = []
        for path in self.options.config_file:
            args += ['--config-file', path]
        try:
            conf.CONF(args, project='microscope', validate_default_values=True)
        except cfg.Error as e:
            raise SystemExit('microscope: configuration error: %s' % e)
        if self.options.verbose_level > 1:
            conf.CONF.set_override('debug', True)
        log.setup(conf.CONF, 'microscope')


def main(argv=None):
    return MicroscopeApp().run(sys.argv[1:] if argv is None else argv)


if __name__ == '__main__':
    sys.exit(main())
