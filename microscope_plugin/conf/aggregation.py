"""[aggregation] options: defaults for pattern aggregation (§4.4)."""
from oslo_config import cfg

GROUP = cfg.OptGroup('aggregation', title='Pattern aggregation',
                     help='Defaults for turning causal relations into ranked '
                          'causal patterns (``microscope patterns``, the demo).')

OPTS = [
    cfg.FloatOpt('threshold', default=0.01, min=0.0, max=1.0,
                 help='th of §4.4: a pattern is reported when its score, after '
                      'excluding what its reported more specific patterns '
                      'explain, reaches this share of the total score.'),
    cfg.BoolOpt('adaptive_ports', default=True,
                help='Derive port ranges from the data (they replace their '
                     'member ports) instead of only the static AutoFocus '
                     'ranges 0-1023 / 1024-65535.'),
    cfg.StrOpt('prefix_lengths', default='byte', choices=['byte', 'all'],
               help='IPv4 prefix lengths of the address hierarchy: the byte '
                    'steps /0, /8, /16, /24, /32, or every length /0../32.'),
    cfg.IntOpt('top', default=10, min=0,
               help='Patterns printed by the demo.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return [(GROUP, OPTS)]
