"""[engine] options: diagnosis workers (microscope-engine)."""
from oslo_config import cfg

GROUP = cfg.OptGroup('engine', title='Diagnosis engine workers',
                     help='microscope-engine: diagnosis jobs consumed over '
                          'oslo.messaging (transport_url in [DEFAULT]; '
                          'unset = the in-process driver).')

OPTS = [
    cfg.StrOpt('topic', default='microscope-engine',
               help='oslo.messaging topic the workers consume.'),
    cfg.IntOpt('workers', default=1, min=1,
               help='Worker processes started by one microscope-engine.'),
    cfg.IntOpt('slice_ms', default=1000, min=1,
               help='A diagnosis over a longer time range is split into '
                    'tasks of this many milliseconds of victims, run by '
                    'whichever workers are free.'),
    cfg.IntOpt('slice_margin_ms', default=100, min=0,
               help='Records loaded before and after a task\'s slice, so '
                    'queuing periods and local-latency history that start '
                    'before the slice are seen (at least history_ns).'),
    cfg.FloatOpt('heartbeat_interval', default=2.0, min=0.05,
                 help='Seconds between a running task\'s heartbeats.'),
    cfg.FloatOpt('task_timeout', default=60.0, min=0.5,
                 help='A running task whose heartbeat is older than this '
                      'many seconds belongs to a dead worker: it is retried '
                      'or, after max_attempts, failed with that reason.'),
    cfg.FloatOpt('pending_timeout', default=120.0, min=0.5,
                 help='A task still pending after this many seconds is '
                      'announced to the workers again (a lost message).'),
    cfg.IntOpt('max_attempts', default=2, min=1,
               help='Attempts of a task before its diagnosis fails.'),
    cfg.FloatOpt('reaper_interval', default=5.0, min=0.05,
                 help='Seconds between a worker\'s checks for tasks of '
                      'dead workers.'),
    cfg.ListOpt('pattern_thresholds', default=['0.01'],
                help='Thresholds (share of the total score, §4.4) at which '
                     'a finished diagnosis computes patterns.'),
]


def register_opts(conf):
    # A group object of its own: oslo.config keeps overrides in it.
    conf.register_group(cfg.OptGroup(GROUP.name, title=GROUP.title,
                                     help=GROUP.help))
    conf.register_opts(OPTS, group=GROUP.name)
    from microscope_plugin.engine import messaging
    messaging.register_opts(conf)


def list_opts():
    return [(GROUP, OPTS)]
