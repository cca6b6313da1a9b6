"""The paths of the OpenAPI document: every routed operation of /v1 with
its parameters, request body and responses."""
from microscope_plugin.api.openapi_blocks import (ERRORS, FILTER, NUM, OBJ, PAGING, STR,
                                                  STR_NULL, TIME_Q, UUID, html_op,
                                                  listing, obj, op, pp, qp, ref)


def report_op():
    d = op('Blame-resolution report of a diagnosis (docs/reports.md): one '
           'self-contained HTML file, or its model as JSON', '200', OBJ,
           body=ref('ReportInput'), errs=ERRORS + ('415',), tag='reports')
    d['responses']['200']['content']['text/html'] = {'schema': STR}
    return d


def build_paths():
    """The ``paths`` object; operation ids and links are added by
    :func:`microscope_plugin.api.openapi.spec`."""
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
