"""``aodh``: the body Aodh's webhook alarm action posts.

Aodh posts ``{alarm_name, alarm_id, severity, previous, current, reason,
reason_data}`` with an ``x-openstack-request-id`` header; a receiver that
already handles Aodh alarms handles these unchanged.  One POST per alarm;
``reason_data`` carries Microscope's fields (root cause, flows, score,
evidence link, isRootCause, correlatedAlarmIds).
"""
import uuid

from microscope_plugin.integrations import alarms as alarms_mod
from microscope_plugin.integrations.sinks import base

# Aodh's severities
SEVERITY = {'CRITICAL': 'critical', 'MAJOR': 'critical', 'MINOR': 'moderate',
            'WARNING': 'low'}


def body(alarm):
    role = alarm['role']
    name = 'microscope.%s.%s' % (role, alarm['nf'])
    if role == 'scaling_hint':
        name = 'microscope.scaling_hint.%s.%s' % (alarm['action'].lower(),
                                                  alarm['nf'])
    return {'alarm_name': name, 'alarm_id': alarm['id'],
            'severity': SEVERITY.get(alarm['severity'], 'low'),
            'previous': 'ok', 'current': 'alarm',
            'reason': alarms_mod.describe(alarm),
            'reason_data': dict(alarm, type='microscope')}


class AodhWebhookSink(base.HttpSink):
    name = 'aodh'
    url_option = 'aodh_url'

    def messages(self, event):
        url = self.url()
        items = event['alarms'] + event.get('hints', [])
        return [(url, body(a)) for a in items]

    def headers(self, payload):
        return {'x-openstack-request-id': 'req-%s' % uuid.uuid4()}
