"""``tacker_prometheus``: alerts in the shape Tacker's Prometheus plugin
receives from Alertmanager, ``{"alerts": [{status, labels, annotations,
startsAt, endsAt, fingerprint}]}``.

* root-cause and victim alarms go to ``<tacker_url>/alert`` with
  ``function_type: vnffm`` (fault management), ``perceived_severity`` and
  ``event_type``; the annotations carry probable cause, fault details and
  Microscope's ``isRootCause``/``correlatedAlarmIds``;
* SCALE_OUT/SCALE_IN hints go to ``<tacker_url>/alert/auto_scaling`` with
  ``function_type: auto_scale``, ``auto_scale_type`` and ``aspect_id``;
* HEAL hints go to ``<tacker_url>/alert/auto_healing`` with
  ``function_type: auto_heal`` and ``vnfc_info_id``.

Labels ``receiver_type: tacker`` and ``function_type`` are what Tacker
requires; an alert without a VNF instance id (see ``[alarms]
vnf_instances``) is still sent to ``/alert`` for the record but Tacker
acts only on alerts that name one.
"""
import datetime
import hashlib
import json

from microscope_plugin.integrations import alarms as alarms_mod
from microscope_plugin.integrations.sinks import base


def rfc3339(ns):
    if ns is None:
        t = datetime.datetime.now(datetime.timezone.utc)
    else:
        t = datetime.datetime.fromtimestamp(ns / 1e9, datetime.timezone.utc)
    return t.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3] + 'Z'


def _fingerprint(alarm):
    return hashlib.sha256(alarm['id'].encode()).hexdigest()[:16]


def fm_alert(alarm):
    labels = {'receiver_type': 'tacker', 'function_type': 'vnffm',
              'perceived_severity': alarm['severity'],
              'event_type': 'PROCESSING_ERROR_ALARM',
              'microscope_nf': alarm['nf'], 'microscope_role': alarm['role']}
    if alarm.get('vnf_instance_id'):
        labels['vnf_instance_id'] = alarm['vnf_instance_id']
    details = {k: alarm[k] for k in (
        'isRootCause', 'correlatedAlarmIds', 'rootCauseFaultyResource',
        'flows', 'evidence', 'diagnosis_id', 'id')}
    annotations = {'value': alarm['score'],
                   'probable_cause': alarms_mod.describe(alarm),
                   'fault_type': 'microscope_%s' % alarm['kind'],
                   'fault_details': json.dumps(details, default=str)}
    return {'status': 'firing', 'labels': labels, 'annotations': annotations,
            'startsAt': rfc3339(alarm.get('start_ns')),
            'endsAt': '0001-01-01T00:00:00Z',
            'generatorURL': alarm['evidence'],
            'fingerprint': _fingerprint(alarm)}


def hint_alert(hint):
    labels = {'receiver_type': 'tacker', 'microscope_nf': hint['nf']}
    if hint.get('vnf_instance_id'):
        labels['vnf_instance_id'] = hint['vnf_instance_id']
    if hint['action'] == 'HEAL':
        labels['function_type'] = 'auto_heal'
        if hint.get('instance'):
            labels['vnfc_info_id'] = hint['instance']
    else:
        labels.update(function_type='auto_scale',
                      auto_scale_type=hint['action'],
                      aspect_id=hint.get('aspect_id') or hint['nf_type'])
    return {'status': 'firing', 'labels': labels,
            'annotations': {'value': hint.get('k', 1),
                            'probable_cause': hint['reason']},
            'startsAt': rfc3339(None), 'endsAt': '0001-01-01T00:00:00Z',
            'generatorURL': hint['evidence'], 'fingerprint': _fingerprint(hint)}


class TackerPrometheusSink(base.HttpSink):
    name = 'tacker_prometheus'
    url_option = 'tacker_url'

    def messages(self, event):
        url = self.url()
        out = []
        if event['alarms']:
            out.append((url + '/alert',
                        {'alerts': [fm_alert(a) for a in event['alarms']]}))
        hints = event.get('hints', [])
        scale = [hint_alert(h) for h in hints if h['action'] != 'HEAL']
        heal = [hint_alert(h) for h in hints if h['action'] == 'HEAL']
        if scale:
            out.append((url + '/alert/auto_scaling', {'alerts': scale}))
        if heal:
            out.append((url + '/alert/auto_healing', {'alerts': heal}))
        return out
