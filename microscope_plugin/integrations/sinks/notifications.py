"""``notifications``: oslo.messaging notifications, the way OpenStack
services announce events (Aodh, Vitrage and Tacker consume them).

Event types: ``microscope.diagnosis.end`` (the diagnosis with every alarm
and hint), then one ``microscope.alarm.root_cause`` / ``microscope.alarm.
victim`` per alarm and ``microscope.scaling_hint`` per hint.  Publisher
id ``microscope.engine``; topic ``[alarms] notification_topic``; driver
``[alarms] notification_driver``; transport ``[alarms]
notification_url`` or ``[DEFAULT] transport_url``.
"""
import threading

import oslo_messaging

from microscope_plugin.integrations.sinks import base

_LOCK = threading.Lock()


class NotificationSink(base.AlarmSink):
    name = 'notifications'

    def __init__(self, conf):
        super().__init__(conf)
        self._notifier = None

    def notifier(self):
        with _LOCK:
            if self._notifier is None:
                from microscope_plugin.engine import messaging
                a = self.conf.alarms
                url = a.notification_url or messaging.transport_url(self.conf)
                transport = oslo_messaging.get_notification_transport(
                    self.conf, url=url)
                self._notifier = oslo_messaging.Notifier(
                    transport, publisher_id='microscope.engine',
                    driver=a.notification_driver,
                    topics=[a.notification_topic], retry=1)
            return self._notifier

    def messages(self, event):
        out = [('microscope.diagnosis.end', dict(
            event['diagnosis'], alarms=event['alarms'],
            scaling_hints=event.get('hints', [])))]
        for a in event['alarms']:
            out.append(('microscope.alarm.%s' % a['role'], a))
        for h in event.get('hints', []):
            out.append(('microscope.scaling_hint', h))
        return out

    def send(self, target, payload):
        try:
            n = self.notifier()
            level = 'warn' if payload.get('isRootCause') else 'info'
            getattr(n, level)({}, target, payload)
        except oslo_messaging.MessageDeliveryFailure as e:
            raise base.SinkError('notification %s: %s' % (target, e))
        except Exception as e:
            raise base.SinkError('notification %s: %s: %s'
                                 % (target, type(e).__name__, e))
        return None
