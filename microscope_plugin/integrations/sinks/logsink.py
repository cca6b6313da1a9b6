"""``log``: each alarm as one log line (WARNING for root causes), with
the document as JSON at DEBUG.  Never fails."""
import json
import logging

from microscope_plugin.integrations import alarms as alarms_mod
from microscope_plugin.integrations.sinks import base

LOG = logging.getLogger('microscope.alarms')


class LogSink(base.AlarmSink):
    name = 'log'

    def messages(self, event):
        return [('log', a) for a in event['alarms'] + event.get('hints', [])]

    def send(self, target, payload):
        level = logging.WARNING if payload.get('isRootCause') else logging.INFO
        LOG.log(level, '%s [alarm %s, evidence %s]',
                alarms_mod.describe(payload), payload['id'],
                payload.get('evidence'))
        LOG.debug('alarm %s', json.dumps(payload, default=str))
        return None
