"""[DEFAULT] options: where Microscope keeps its state."""
import os

from oslo_config import cfg

OPTS = [
    cfg.StrOpt('state_path',
               default=os.path.join(os.path.expanduser('~'), '.local',
                                    'share', 'microscope'),
               sample_default='~/.local/share/microscope',
               help='Directory where Microscope keeps its state: the '
                    'embedded SQLite database, record files and '
                    'generated reports.'),
]


def register_opts(conf):
    conf.register_opts(OPTS)


def list_opts():
    return [('DEFAULT', OPTS)]
