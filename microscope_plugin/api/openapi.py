"""The OpenAPI 3.0 document of /v1, built here next to the controllers.

Served at ``/openapi.json`` and ``/v1/openapi.json``; ``docs/openapi.json``
is this document (``python -m microscope_plugin.api.openapi >
docs/openapi.json``), and a test checks both that the file is current and
that every path in it is routed by the controllers.

The building blocks are in :mod:`.openapi_blocks`, the component schemas
in :mod:`.openapi_schemas` and the paths in :mod:`.openapi_paths`; this
module adds the operation ids and links and assembles the document.
"""
import json
import sys

from microscope_plugin.api.openapi_paths import build_paths
from microscope_plugin.api.openapi_schemas import SCHEMAS


LINKS = {
    ('/v1/topologies', 'post', '201'): {
        'GetTopology': ('getTopology', 'topology_id'),
        'ListNFs': ('listNFs', 'topology_id'),
        'DeleteTopology': ('deleteTopology', 'topology_id')},
    ('/v1/collections', 'post', '201'): {
        'GetCollection': ('getCollection', 'collection_id'),
        'IngestFile': ('ingestFile', 'collection_id'),
        'ListFiles': ('listFiles', 'collection_id')},
    ('/v1/diagnoses', 'post', '202'): {
        'GetDiagnosis': ('getDiagnosis', 'diagnosis_id'),
        'ListVictims': ('listVictims', 'diagnosis_id'),
        'ListCauses': ('listCauses', 'diagnosis_id'),
        'ListPatterns': ('listPatterns', 'diagnosis_id'),
        'ListScalingHints': ('listScalingHints', 'diagnosis_id'),
        'DeleteDiagnosis': ('deleteDiagnosis', 'diagnosis_id')},
}
OPERATION_IDS = {
    ('/v1/topologies/{topology_id}', 'get'): 'getTopology',
    ('/v1/topologies/{topology_id}', 'delete'): 'deleteTopology',
    ('/v1/topologies/{topology_id}/nfs', 'get'): 'listNFs',
    ('/v1/collections/{collection_id}', 'get'): 'getCollection',
    ('/v1/collections/{collection_id}/files', 'post'): 'ingestFile',
    ('/v1/collections/{collection_id}/files', 'get'): 'listFiles',
    ('/v1/diagnoses/{diagnosis_id}', 'get'): 'getDiagnosis',
    ('/v1/diagnoses/{diagnosis_id}', 'delete'): 'deleteDiagnosis',
    ('/v1/diagnoses/{diagnosis_id}/victims', 'get'): 'listVictims',
    ('/v1/diagnoses/{diagnosis_id}/causes', 'get'): 'listCauses',
    ('/v1/diagnoses/{diagnosis_id}/patterns', 'get'): 'listPatterns',
    ('/v1/diagnoses/{diagnosis_id}/scaling_hints', 'get'): 'listScalingHints',
    ('/v1/alarms', 'post'): 'receiveAlarm',
    ('/v1/scaling_hints', 'get'): 'listAllScalingHints',
    ('/v1/diagnoses/{diagnosis_id}/dag', 'get'): 'showDag',
    ('/v1/reports', 'post'): 'createReport',
}


def spec():
    paths = build_paths()
    for (path, method), op_id in OPERATION_IDS.items():
        paths[path][method]['operationId'] = op_id
    for (path, method, code), links in LINKS.items():
        paths[path][method]['responses'][code]['links'] = {
            name: {'operationId': op_id,
                   'parameters': {param: '$response.body#/id'}}
            for name, (op_id, param) in links.items()}
    ingest = paths['/v1/collections/{collection_id}/files']['post']
    ingest['responses']['200'] = dict(ingest['responses']['201'],
                                      description='Every block was stored '
                                                  'already: nothing added')
    alarm = paths['/v1/alarms']['post']
    alarm['responses']['200'] = dict(alarm['responses']['202'],
                                     description='The alarm is resolved: '
                                                 'nothing started')
    return {
        'openapi': '3.0.3',
        'info': {'title': 'Microscope diagnosis API', 'version': '1.0',
                 'description': 'Queue-based performance diagnosis for '
                                'network functions: topologies, record '
                                'collections, diagnosis jobs and their '
                                'victims, causes, patterns, scaling '
                                'hints, reports and the DAG page.  Errors '
                                'are JSON: {"error": {"code", "title", '
                                '"message", "field"}}.'},
        'servers': [{'url': '/'}],
        'paths': paths,
        'components': {
            'schemas': SCHEMAS,
            'securitySchemes': {'keystone': {
                'type': 'apiKey', 'in': 'header', 'name': 'X-Auth-Token'}}},
        'security': [{'keystone': []}, {}],
    }


def dumps():
    return json.dumps(spec(), indent=2, sort_keys=True) + '\n'


if __name__ == '__main__':
    sys.stdout.write(dumps())
