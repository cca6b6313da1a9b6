"""/v1: the diagnosis service's resources."""
import pecan

from microscope_plugin.api import openapi
from microscope_plugin.api.controllers.v1 import alarms
from microscope_plugin.api.controllers.v1 import collections
from microscope_plugin.api.controllers.v1 import diagnoses
from microscope_plugin.api.controllers.v1 import hints
from microscope_plugin.api.controllers.v1 import reports
from microscope_plugin.api.controllers.v1 import topologies


class V1Controller:
    topologies = topologies.TopologiesController()
    collections = collections.CollectionsController()
    diagnoses = diagnoses.DiagnosesController()
    alarms = alarms.AlarmsController()
    scaling_hints = hints.ScalingHintsController()
    reports = reports.ReportsController()

    @pecan.expose('json')
    def index(self):
        url = pecan.request.application_url + '/v1'
        return {'id': 'v1', 'links': [
            {'rel': name, 'href': '%s/%s' % (url, name)}
            for name in ('topologies', 'collections', 'diagnoses', 'reports',
                         'alarms', 'scaling_hints', 'openapi.json')]}

    @pecan.expose('json', route='openapi.json')
    def openapi_json(self):
        return openapi.spec()
