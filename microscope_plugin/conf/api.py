"""[api] options: the REST API service."""
from oslo_config import cfg

GROUP = cfg.OptGroup('api', title='REST API',
                     help='The microscope-api service (pecan, /v1).')

OPTS = [
    cfg.HostAddressOpt('host', default='127.0.0.1',
                       help='Address microscope-api listens on.'),
    cfg.PortOpt('port', default=8787,
                help='Port microscope-api listens on.'),
    cfg.StrOpt('auth_strategy', default='noauth',
               choices=[('noauth', 'No authentication: the request '
                         'context comes from the X-Roles / X-Project-Id '
                         'headers, or is an admin without them (embedded '
                         'and development use).'),
                        ('keystone', 'keystonemiddleware auth_token in '
                         'the pipeline; see [keystone_authtoken].')],
               help='How API requests are authenticated.'),
    cfg.IntOpt('default_limit', default=100, min=1,
               help='Page size of a list when the request gives no limit.'),
    cfg.IntOpt('max_limit', default=1000, min=1,
               help='Largest page size a request may ask for.'),
    cfg.IntOpt('max_upload_bytes', default=1 << 30, min=1024,
               help='Largest record file accepted by POST '
                    '/v1/collections/{id}/files.'),
    cfg.DictOpt('vendor_projects', default={},
                help='Keystone project id -> NF vendor name, for users '
                     'with the vendor role: they see diagnoses, causes '
                     'and reports only for the NFs of that vendor.'),
    cfg.BoolOpt('embedded_engine', default=True,
                help='With the in-process messaging driver (no '
                     'transport_url), run an engine worker inside the API '
                     'process so that diagnoses complete without a '
                     'separate microscope-engine.'),
]


def register_opts(conf):
    # A group object of its own: oslo.config keeps overrides in it.
    conf.register_group(cfg.OptGroup(GROUP.name, title=GROUP.title,
                                     help=GROUP.help))
    conf.register_opts(OPTS, group=GROUP.name)


def list_opts():
    return [(GROUP, OPTS)]
