"""/ (API versions), /openapi.json and /v1."""
import pecan

from microscope_plugin.api import openapi
from microscope_plugin.api.controllers.v1 import V1Controller


class RootController:
    v1 = V1Controller()

    @pecan.expose('json')
    def index(self):
        url = pecan.request.application_url
        return {'versions': [{'id': 'v1', 'status': 'CURRENT',
                              'links': [{'rel': 'self', 'href': url + '/v1'}]}]}

    @pecan.expose('json', route='openapi.json')
    def openapi_json(self):
        return openapi.spec()
