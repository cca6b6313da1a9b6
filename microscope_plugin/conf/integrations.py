"""[integrations], [alarms], [hints] and [collector_deployer] options:
the stevedore plugin points that connect Microscope to an orchestrator.

The plugin names are checked against the installed entry points when the
API or the engine starts (:func:`microscope_plugin.integrations.plugins.
check_conf`), so a typo is a start-up error, not a silent no-op.
"""
from oslo_config import cfg

GROUP = cfg.OptGroup('integrations', title='Orchestrator integration',
                     help='Which plugins connect Microscope to the '
                          'orchestrator (stevedore entry points).')
OPTS = [
    cfg.StrOpt('collector_deployer', default='local',
               help='Plugin of namespace microscope.collector_deployers '
                    'that starts/stops collectors (local, tacker).'),
    cfg.ListOpt('alarm_sinks', default=['log'],
                help='Plugins of namespace microscope.alarm_sinks that '
                     'receive the alarms of every finished diagnosis '
                     '(aodh, tacker_prometheus, notifications, log).'),
    cfg.StrOpt('public_url', default='http://127.0.0.1:8787',
               help='Base URL of the API as receivers reach it; alarms '
                    'link to their evidence under it.'),
    cfg.BoolOpt('send_hints', default=True,
                help='Also send auto-scaling hints through the sinks.'),
]

ALARMS = cfg.OptGroup('alarms', title='Alarm delivery',
                      help='How alarms are delivered: off the diagnosis\' '
                           'critical path, bounded, retried with backoff.')
ALARM_OPTS = [
    cfg.IntOpt('max_attempts', default=4, min=1,
               help='Attempts per alarm and sink before it is recorded '
                    'as failed.'),
    cfg.FloatOpt('backoff_s', default=0.5, min=0,
                 help='First retry delay in seconds; doubles each retry.'),
    cfg.FloatOpt('max_backoff_s', default=30.0, min=0,
                 help='Largest retry delay in seconds.'),
    cfg.FloatOpt('timeout_s', default=5.0, min=0.05,
                 help='HTTP connect+read timeout per attempt.'),
    cfg.IntOpt('queue_size', default=1000, min=1,
               help='Alarms waiting for delivery; beyond this new ones are '
                    'dropped (and recorded as such), never waited for.'),
    cfg.IntOpt('max_root_causes', default=3, min=1,
               help='Root-cause alarms per diagnosis (top culprits).'),
    cfg.IntOpt('max_victim_alarms', default=20, min=0,
               help='Victim alarms (one per victim NF) correlated to the '
                    'root causes, per diagnosis.'),
    cfg.URIOpt('aodh_url', default=None,
               help='aodh sink: URL receiving Aodh webhook bodies.'),
    cfg.URIOpt('tacker_url', default=None,
               help='tacker_prometheus sink: base URL of Tacker\'s '
                    'Prometheus plugin (…/alert is appended, or '
                    '/alert/auto_scaling for scaling hints).'),
    cfg.DictOpt('vnf_instances', default={},
                help='NF name or NF type -> VNF instance id, for sinks '
                     'that key alarms on the VNF (tacker_prometheus); the '
                     'Tacker management driver reports them too.'),
    cfg.StrOpt('notification_topic', default='notifications',
               help='notifications sink: oslo.messaging topic.'),
    cfg.StrOpt('notification_driver', default='messagingv2',
               help='notifications sink: oslo.messaging notifier driver.'),
    cfg.StrOpt('notification_url', default=None,
               help='notifications sink: transport URL (default: '
                    '[DEFAULT] transport_url).'),
]

HINTS = cfg.OptGroup('hints', title='Auto-scaling hints',
                     help='Rules deriving per NF type hints from a '
                          'diagnosis (docs/integrations.md).')
HINT_OPTS = [
    cfg.IntOpt('window_ms', default=10, min=1,
               help='Input rates are measured per window of this length.'),
    cfg.FloatOpt('sustained_fraction', default=0.3, min=0, max=1,
                 help='SCALE_OUT when the NF type\'s input is above the '
                      'sum of its instances\' peak rates in at least this '
                      'share of the windows.'),
    cfg.FloatOpt('idle_utilisation', default=0.3, min=0, max=1,
                 help='SCALE_IN when the busiest window still fits into '
                      'one instance fewer, each used at most this much.'),
    cfg.IntOpt('min_victims', default=5, min=1,
               help='HEAL needs at least this many victims blaming the '
                    'instance\'s own processing.'),
    cfg.FloatOpt('local_share', default=0.5, min=0, max=1,
                 help='HEAL needs this share of the instance\'s victims '
                      'to blame its own processing.'),
    cfg.DictOpt('aspects', default={},
                help='NF type -> scaling aspect id of its VNF (Tacker '
                     'aspect_id); default: the NF type itself.'),
]

DEPLOYER = cfg.OptGroup('collector_deployer', title='Collector deployers',
                        help='Settings of the collector_deployer plugins.')
DEPLOYER_OPTS = [
    cfg.StrOpt('records_dir', default='$state_path/records',
               help='Where deployed collectors write record files.'),
    cfg.IntOpt('ring_size', default=1 << 20, min=1024,
               help='Collector ring size in records.'),
    cfg.FloatOpt('run_timeout_s', default=3600.0, min=1,
                 help='local: the NF runs under timeout(1) for at most '
                      'this many seconds.'),
    cfg.StrOpt('remote_command',
               default='ssh {host} systemctl {action} '
                       'microscope-collector@{vnfc_id}.service',
               help='tacker: command run per compute node to start '
                    '(action=start), restart or stop the collector of a '
                    'VNFC; placeholders {action}, {host}, {vnf_instance_id}, '
                    '{vnfc_id}, {nf}, {records_dir}.  The default expects a '
                    'systemd template unit on the node that runs the NF '
                    'under the collector (docs/integrations.md).'),
    cfg.StrOpt('fetch_command',
               default='scp -r {host}:{records_dir}/{vnf_instance_id} '
                       '{dest}',
               help='tacker: command copying a node\'s last record files '
                    'to {dest} when a VNF terminates.'),
    cfg.FloatOpt('command_timeout_s', default=60.0, min=1,
                 help='tacker: timeout of each remote command.'),
]

GROUPS = ((GROUP, OPTS), (ALARMS, ALARM_OPTS), (HINTS, HINT_OPTS),
          (DEPLOYER, DEPLOYER_OPTS))


def register_opts(conf):
    for group, opts in GROUPS:
        conf.register_group(cfg.OptGroup(group.name, title=group.title,
                                         help=group.help))
        conf.register_opts(opts, group=group.name)


def list_opts():
    return list(GROUPS)
