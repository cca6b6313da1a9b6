"""The component schemas of the OpenAPI document (``#/components/schemas``):
request bodies and the resources the API returns."""
from microscope_plugin.api.openapi_blocks import (FILTER, INT64, NS, NS_NULL, NUM, OBJ,
                                                  STR, STR_NULL, TIME, UUID, obj, ref)

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
