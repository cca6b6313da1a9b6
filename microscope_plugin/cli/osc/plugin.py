"""OSC plugin module (entry point ``openstack.cli.extension``:
``microscope``): what OpenStackClient asks of a plugin."""
from osc_lib import utils

API_NAME = 'microscope'
API_VERSION_OPTION = 'os_microscope_api_version'
API_VERSIONS = {'1': 'microscope_plugin.cli.osc.client.Client'}
DEFAULT_API_VERSION = '1'
SERVICE_TYPE = 'microscope'


def make_client(instance):
    """The API client on the session OpenStackClient set up."""
    cls = utils.get_client_class(API_NAME,
                                 instance._api_version[API_NAME],
                                 API_VERSIONS)
    endpoint = instance.get_endpoint_for_service_type(
        SERVICE_TYPE, region_name=instance.region_name,
        interface=instance.interface)
    return cls(instance.session, endpoint)


def build_option_parser(parser):
    parser.add_argument(
        '--os-microscope-api-version', metavar='<microscope-api-version>',
        default=utils.env('OS_MICROSCOPE_API_VERSION',
                          default=DEFAULT_API_VERSION),
        help='Microscope API version (default: %s; env '
             'OS_MICROSCOPE_API_VERSION)' % DEFAULT_API_VERSION)
    return parser
