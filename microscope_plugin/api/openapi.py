"""The OpenAPI 3.0 document of /v1, built here next to the controllers.

Served at ``/openapi.json`` and ``/v1/openapi.json``; ``docs/openapi.json``
is this document (``python -m microscope_plugin.api.openapi >
docs/openapi.json``), and a test checks both that the file is current and
that every path in it is routed by the controllers.
"""
import json
import sys

INT64 = {'type': 'integer', 'format': 'int64'}
NS = {'type': 'integer', 'format': 'int64', 'minimum': 0}
NS_NULL = dict(NS, nullable=True)
STR = {'type': 'string'}
FILTER = {'type': 'string', 'minLength': 1, 'maxLength': 255}
STR_NULL = {'type': 'string', 'nullable': True}
NUM = {'type': 'number'}
UUID = {'type': 'string', 'format': 'uuid'}
OBJ = {'type': 'object', 'additionalProperties': True}
TIME = {'type': 'string', 'format': 'date-time', 'nullable': True}


def ref(name):
    return {'$ref': '#/components/schemas/%s' % name}


def obj(props, required=(), extra=True):
    d = {'type': 'object', 'properties': props, 'additionalProperties': extra}
    if required:
        d['required'] = list(required)
    return d


def listing(key, item):
    return obj({key: {'type': 'array', 'items': ref(item)},
                'next': {'type': 'string', 'nullable': True}},
               (key, 'next'))


def qp(name, schema, description):
    return {'name': name, 'in': 'query', 'required': False,
            'schema': schema, 'description': description}


def pp(name, schema=UUID):
    return {'name': name, 'in': 'path', 'required': True, 'schema': schema}


PAGING = [qp('limit', {'type': 'integer', 'minimum': 1, 'maximum': 1000},
             'Page size.'),
          qp('marker', dict(STR, maxLength=64),
             'Id of the last item of the previous page.')]
TIME_Q = [qp('start_ns', NS, 'Only what ends at or after this time (ns).'),
          qp('end_ns', NS, 'Only what starts before this time (ns).')]
ERRORS = ('400', '401', '403', '404')

SCHEMAS = {
    'Error': obj({'error': obj({'code': {'type': 'integer'},
                                'title': STR, 'message': STR,
                                'field': STR}, ('code', 'message'))},
                 ('error',)),
    'NF': obj({'name': STR, 'type': STR, 'vendor': STR, 'host': STR,
               'peak_rate_pps': {'type': 'number', 'nullable': True},
               'role': {'type': 'string', 'enum': ['nf', 'source']},
               'index': {'type': 'integer'}}),
    'NFInput': obj({'name': dict(STR, minLength=1, maxLength=255),
                    'type': dict(STR, minLength=1, maxLength=64),
                    'vendor': dict(STR, maxLength=255),
                    'host': dict(STR, maxLength=255),
                    'peak_rate_pps': {'type': 'number', 'nullable': True,
                                      'exclusiveMinimum': True, 'minimum': 0},
                    'role': {'type': 'string', 'enum': ['nf', 'source']}},
                   ('name', 'type'), extra=False),
    'TopologyInput': obj({
        'name': dict(STR, maxLength=255),
        'nfs': {'type': 'array', 'minItems': 1, 'items': ref('NFInput')},
        'edges': {'type': 'array', 'items': {
            'type': 'array', 'minItems': 2, 'maxItems': 2, 'items': STR}}},
        ('nfs',), extra=False),
    'Topology': obj({'id': UUID, 'name': STR, 'project_id': STR,
                     'edges': {'type': 'array', 'items': {
                         'type': 'array', 'items': STR}},
                     'created_at': TIME,
                     'nfs': {'type': 'array', 'items': ref('NF')}}),
    'CollectionInput': obj({'topology_id': UUID,
                            'name': dict(STR, minLength=1, maxLength=255)},
                           ('topology_id', 'name'), extra=False),
    'Collection': obj({'id': UUID, 'name': STR, 'project_id': STR,
                       'topology_id': UUID, 'start_ns': NS_NULL,
                       'end_ns': NS_NULL, 'files': {'type': 'integer'},
                       'blocks': {'type': 'integer'},
                       'bursts': {'type': 'integer'},
                       'packet_records': {'type': 'integer'},
                       'stored_bytes': {'type': 'integer'},
                       'created_at': TIME, 'updated_at': TIME, 'nfs': OBJ}),
    'RecordFile': obj({'id': {'type': 'integer'}, 'nf': STR, 'source': STR,
                       'host': STR, 'role': STR, 'format_version':
                       {'type': 'integer'}, 'tsc_hz': INT64,
                       'header_sha256': STR, 'file_bytes': INT64,
                       'blocks': {'type': 'integer'}, 'packet_records': INT64,
                       'created_at': TIME}),
    'IngestResult': obj({'path': STR, 'nf': STR, 'file_id': {'type': 'integer'},
                         'blocks_added': {'type': 'integer'},
                         'blocks_skipped': {'type': 'integer'},
                         'packets_added': INT64, 'bytes_added': INT64}),
    'VictimCriteria': obj({
        'latency_percentile': {'type': 'number', 'exclusiveMinimum': True,
                               'minimum': 0, 'exclusiveMaximum': True,
                               'maximum': 100},
        'latency_threshold_ns': NS_NULL, 'include_lost': {'type': 'boolean'},
        'throughput_threshold_pps': {'type': 'number', 'nullable': True,
                                     'exclusiveMinimum': True, 'minimum': 0},
        'throughput_window_ns': dict(NS, minimum=1),
        'in_nf_delay_sigma': {'type': 'number', 'minimum': 0},
        'max_victims': {'type': 'integer', 'nullable': True, 'minimum': 1}},
        extra=False),
    'DiagnosisParams': obj({
        'queuing': {'type': 'string', 'enum': ['auto', 'burst', 'length']},
        'queue_threshold': {'type': 'integer', 'minimum': 0},
        'peak_rates': {'type': 'object', 'additionalProperties': {
            'type': 'number', 'exclusiveMinimum': True, 'minimum': 0}},
        'measure_peak_rates': {'type': 'boolean'},
        'history_ns': dict(NS, minimum=1),
        'abnormal_sigma': NUM,
        'max_depth': {'type': 'integer', 'minimum': 1},
        'min_score': NUM,
        'top_flows': {'type': 'integer', 'minimum': 1}}, extra=False),
    'DiagnosisInput': obj({
        'collection_id': UUID, 'diagnoser': dict(STR, maxLength=64),
        'start_ns': NS, 'end_ns': NS, 'victims': ref('VictimCriteria'),
        'params': ref('DiagnosisParams')}, ('collection_id',), extra=False),
    'Diagnosis': obj({
        'id': UUID, 'project_id': STR, 'collection_id': UUID,
        'diagnoser': STR, 'state': {'type': 'string', 'enum': [
            'pending', 'running', 'succeeded', 'failed']},
        'reason': STR_NULL, 'start_ns': NS, 'end_ns': NS, 'params': OBJ,
        'tasks': {'type': 'integer'}, 'victims': {'type': 'integer'},
        'relations': INT64, 'summary': dict(OBJ, nullable=True),
        'created_at': TIME, 'started_at': TIME, 'finished_at': TIME,
        'task_states': {'type': 'array', 'items': OBJ},
        'timings': dict(OBJ, nullable=True)}),
    'Cause': obj({
        'id': {'type': 'integer'}, 'victim_id': {'type': 'integer'},
        'rank': {'type': 'integer'}, 'kind': STR, 'nf': STR_NULL,
        'nf_type': STR, 'vendor': STR_NULL, 'victim_nf': STR,
        'victim_vendor': STR, 'score': NUM, 'share': NUM, 'start_ns': INT64,
        'end_ns': INT64, 'culprit_packets': INT64,
        'flows': {'type': 'array', 'items': OBJ},
        'redacted': {'type': 'boolean'}}),
    'Victim': obj({
        'id': {'type': 'integer'}, 'kind': STR, 'nf': STR, 'vendor': STR,
        'task': {'type': 'integer'}, 'time_ns': INT64,
        'latency_ns': dict(INT64, nullable=True), 'packet': OBJ,
        'causes': {'type': 'array', 'items': ref('Cause')}}),
    'Pattern': OBJ,
    'ReportInput': obj({
        'diagnosis_id': UUID,
        'vendor': dict(FILTER, description='Vendor view (a vendor caller: '
                                           'its own, the default).'),
        'nf': dict(FILTER, description='Only relations involving this NF.'),
        'start_ns': NS, 'end_ns': NS,
        'format': {'type': 'string', 'enum': ['html', 'json'], 'default': 'html'},
        'incidents': {'type': 'integer', 'minimum': 0, 'maximum': 20,
                      'default': 3}}, ('diagnosis_id',), extra=False),
    'ScalingHint': obj({'id': {'type': 'integer'}, 'nf': STR, 'vendor': STR,
                        'diagnosis_id': UUID,
                        'action': {'type': 'string', 'enum': [
                            'SCALE_OUT', 'SCALE_IN', 'HEAL']},
                        'score': NUM, 'reason': STR,
                        'detail': dict(OBJ, nullable=True),
                        'created_at': TIME}),
    'AodhAlarm': obj({
        'alarm_name': dict(STR, maxLength=4096),
        'alarm_id': dict(STR, minLength=1, maxLength=255),
        'severity': dict(STR, maxLength=4096),
        'previous': dict(STR, maxLength=4096),
        'current': dict(STR, minLength=1, maxLength=64),
        'reason': dict(STR, maxLength=4096),
        'reason_data': dict(
            OBJ, description='timestamp (RFC 3339) and '
            'microscope_collection_id are read if given')},
        ('alarm_id', 'current'), extra=False),
    'Alert': obj({
        'status': {'type': 'string', 'enum': ['firing', 'resolved']},
        'labels': {'type': 'object', 'additionalProperties': dict(
            STR, maxLength=1024)},
        'annotations': OBJ, 'startsAt': dict(STR, format='date-time'),
        'endsAt': STR, 'generatorURL': STR, 'fingerprint': STR},
        ('startsAt',), extra=False),
    'Alerts': obj({
        'alerts': {'type': 'array', 'minItems': 1, 'maxItems': 1000,
                   'items': ref('Alert')},
        'version': STR, 'groupKey': STR, 'truncatedAlerts': INT64,
        'status': STR, 'receiver': STR, 'groupLabels': OBJ,
        'commonLabels': OBJ, 'commonAnnotations': OBJ, 'externalURL': STR},
        ('alerts',), extra=False),
    'AlarmReceived': obj({
        'alarm': obj({'source': {'type': 'string', 'enum': [
            'aodh', 'alertmanager']}, 'name': STR, 'firing': {
                'type': 'boolean'}, 'start_ns': NS, 'end_ns': NS}),
        'diagnosis': dict(ref('Diagnosis'), nullable=True),
        'ignored': STR}),
}


def op(summary, ok, schema=None, params=(), body=None, errs=ERRORS,
       tag=None, ctype='application/json'):
    d = {'summary': summary, 'parameters': list(params), 'responses': {}}
    if tag:
        d['tags'] = [tag]
    if schema is None:
        d['responses'][ok] = {'description': summary}
    else:
        d['responses'][ok] = {'description': summary, 'content': {
            'application/json': {'schema': schema}}}
    for code in errs:
        d['responses'][code] = {'description': 'Error', 'content': {
            'application/json': {'schema': ref('Error')}}}
    if body is not None:
        if ctype == 'application/json':
            body = {'required': True, 'content': {ctype: {'schema': body}}}
        else:
            body = {'required': True, 'content': {ctype: {'schema': {
                'type': 'string', 'format': 'binary'}}}}
        d['requestBody'] = body
    return d


def html_op(summary, params=(), tag=None):
    d = op(summary, '200', params=params, tag=tag)
    d['responses']['200']['content'] = {'text/html': {'schema': STR}}
    return d


def report_op():
    d = op('Blame-resolution report of a diagnosis (docs/reports.md): one '
           'self-contained HTML file, or its model as JSON', '200', OBJ,
           body=ref('ReportInput'), errs=ERRORS + ('415',), tag='reports')
    d['responses']['200']['content']['text/html'] = {'schema': STR}
    return d


def _paths():
    T, C, D = 'topologies', 'collections', 'diagnoses'
    did = pp('diagnosis_id')
    return {
        '/': {'get': op('API versions', '200', OBJ, errs=())},
        '/v1': {'get': op('Resources of v1', '200', OBJ, errs=())},
        '/v1/openapi.json': {'get': op('This document', '200', OBJ, errs=())},
        '/v1/topologies': {
            'get': op('List topologies', '200', listing(T, 'Topology'),
                      PAGING + [qp('name', FILTER, 'Only this name.')], tag=T),
            'post': op('Register a topology (NF instances and edges)', '201',
                       ref('Topology'), body=ref('TopologyInput'),
                       errs=ERRORS + ('415',), tag=T)},
        '/v1/topologies/{topology_id}': {
            'get': op('Show a topology with its NFs', '200', ref('Topology'),
                      [pp('topology_id')], tag=T),
            'delete': op('Delete a topology without collections', '204',
                         params=[pp('topology_id')], errs=ERRORS + ('409',),
                         tag=T)},
        '/v1/topologies/{topology_id}/nfs': {
            'get': op('List the NFs of a topology', '200', listing('nfs', 'NF'),
                      [pp('topology_id')] + PAGING + [
                          qp('vendor', FILTER, 'Only this vendor.'),
                          qp('type', FILTER, 'Only this NF type.'),
                          qp('role', {'type': 'string', 'enum': ['nf', 'source']},
                             'nf or source (entry taps).')], tag=T)},
        '/v1/collections': {
            'get': op('List collections', '200', listing(C, 'Collection'),
                      PAGING + TIME_Q + [qp('topology_id', UUID,
                                            'Only this topology.')], tag=C),
            'post': op('Create an empty collection of a topology', '201',
                       ref('Collection'), body=ref('CollectionInput'),
                       errs=ERRORS + ('415',), tag=C)},
        '/v1/collections/{collection_id}': {
            'get': op('Show a collection with per-NF record stats', '200',
                      ref('Collection'), [pp('collection_id')], tag=C),
            'delete': op('Delete a collection, its records and diagnoses',
                         '204', params=[pp('collection_id')], tag=C)},
        '/v1/collections/{collection_id}/files': {
            'get': op('List the record files ingested', '200',
                      listing('files', 'RecordFile'),
                      [pp('collection_id')] + PAGING, tag=C),
            'post': op('Ingest one record file (the body); atomic and '
                       'idempotent: 201 when blocks were added, 200 when '
                       'all were stored already', '201', ref('IngestResult'),
                       [pp('collection_id'),
                        qp('name', dict(STR, maxLength=1024),
                           'File name to record as its source.'),
                        qp('verify', {'type': 'boolean'},
                           'Decode every block, not only check checksums.')],
                       body=True, ctype='application/octet-stream',
                       errs=ERRORS + ('409', '413', '415'), tag=C)},
        '/v1/diagnoses': {
            'get': op('List diagnoses', '200', listing(D, 'Diagnosis'),
                      PAGING + TIME_Q + [
                          qp('state', {'type': 'string', 'enum': [
                              'pending', 'running', 'succeeded', 'failed']},
                             'Only this state.'),
                          qp('collection_id', UUID, 'Only this collection.')],
                      tag=D),
            'post': op('Start a diagnosis of a time range (a job)', '202',
                       ref('Diagnosis'), body=ref('DiagnosisInput'),
                       errs=ERRORS + ('415',), tag=D)},
        '/v1/diagnoses/{diagnosis_id}': {
            'get': op('Show a diagnosis: state, tasks, summary', '200',
                      ref('Diagnosis'), [did], tag=D),
            'delete': op('Delete a diagnosis and its results', '204',
                         params=[did], tag=D)},
        '/v1/diagnoses/{diagnosis_id}/victims': {
            'get': op('Victims with their ranked causes', '200',
                      listing('victims', 'Victim'), [did] + PAGING + TIME_Q + [
                          qp('nf', FILTER, 'Victims at this NF.'),
                          qp('vendor', FILTER, 'Victims at this vendor\'s NFs.'),
                          qp('kind', {'type': 'string', 'enum': [
                              'latency', 'loss', 'throughput', 'in_nf_delay']},
                             'Victim kind.')], tag=D)},
        '/v1/diagnoses/{diagnosis_id}/victims/{victim_id}': {
            'get': op('One victim with its ranked causes', '200',
                      ref('Victim'), [did, pp('victim_id', {
                          'type': 'integer', 'minimum': 1})], tag=D)},
        '/v1/diagnoses/{diagnosis_id}/causes': {
            'get': op('Ranked causes (culprit NF or source, score, interval)',
                      '200', listing('causes', 'Cause'), [did] + PAGING + TIME_Q + [
                          qp('nf', FILTER, 'Culprit NF.'),
                          qp('vendor', FILTER, 'Culprit vendor.'),
                          qp('victim_nf', FILTER, 'Victim NF.'),
                          qp('kind', {'type': 'string', 'enum': [
                              'source', 'nf', 'in_nf_delay']}, 'Cause kind.'),
                          qp('max_rank', {'type': 'integer', 'minimum': 1,
                                          'maximum': 1000},
                             'Only causes ranked at most this.')], tag=D)},
        '/v1/diagnoses/{diagnosis_id}/patterns': {
            'get': op('Causal patterns (§4.4) at a threshold', '200', obj({
                'patterns': {'type': 'array', 'items': ref('Pattern')},
                'next': STR_NULL, 'threshold': NUM,
                'available_thresholds': {'type': 'array', 'items': NUM},
                'status': STR_NULL}), [did] + PAGING + [
                    qp('threshold', {'type': 'number', 'exclusiveMinimum': True,
                                     'minimum': 0, 'maximum': 1},
                       'Share of the total score (default: the first of '
                       '[engine] pattern_thresholds).')], tag=D)},
        '/v1/diagnoses/{diagnosis_id}/dag': {
            'get': html_op('NF DAG page: culprit -> victim arrows weighted by '
                           'score, ranked causes beside (self-contained HTML)',
                           [did], tag=D)},
        '/v1/reports': {
            'post': report_op()},
        '/v1/diagnoses/{diagnosis_id}/scaling_hints': {
            'get': op('Auto-scaling hints derived from the diagnosis', '200',
                      listing('scaling_hints', 'ScalingHint'), [did] + PAGING + [
                          qp('nf', FILTER, 'Only this NF.'),
                          qp('vendor', FILTER, 'Only this vendor.')], tag=D)},
        '/v1/alarms': {
            'post': op('Receive an alarm (Aodh webhook or Alertmanager/'
                       'Tacker alerts); a firing one starts a diagnosis of '
                       'its window (202), a resolved one nothing (200)',
                       '202', ref('AlarmReceived'), [
                           qp('collection_id', UUID, 'Records to diagnose '
                              '(default: an alert label or reason_data key '
                              'microscope_collection_id, else the latest '
                              'collection holding the window).'),
                           qp('lookback_ms', {'type': 'integer', 'minimum': 1,
                                              'maximum': 3600000},
                              'Diagnose this long before the alarm '
                              '(default 1000).'),
                           qp('diagnoser', FILTER, 'Diagnoser plugin.')],
                       body={'oneOf': [ref('AodhAlarm'), ref('Alerts')]},
                       errs=ERRORS + ('415',), tag='alarms')},
        '/v1/scaling_hints': {
            'get': op('Scaling hints of every diagnosis the caller sees',
                      '200', listing('scaling_hints', 'ScalingHint'),
                      PAGING + [
                          qp('action', {'type': 'string', 'enum': [
                              'SCALE_OUT', 'SCALE_IN', 'HEAL']},
                             'Only this action.'),
                          qp('nf', FILTER, 'Only this NF (type for scaling, '
                             'instance for HEAL).')], tag='scaling_hints')},
    }


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
    paths = _paths()
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
