"""[emulator] options: defaults for the NF-chain emulator (testbed)."""
from oslo_config import cfg

GROUP = cfg.OptGroup('emulator', title='NF-chain emulator',
                     help='Defaults for ``microscope emulate``.')

OPTS = [
    cfg.StrOpt('preset', default='paper16',
               help='Scenario preset used when no scenario file is given.'),
    cfg.FloatOpt('duration', default=5.0, min=0.0,
                 help='Seconds of traffic to emulate when the scenario '
                      'does not say.'),
    cfg.IntOpt('seed', default=1, help='Random seed for traffic and faults.'),
    cfg.IntOpt('block_packets', default=65536, min=256,
               help='Packet records per block in the record files the '
                    'emulator writes.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return [(GROUP, OPTS)]
