"""``notifications``: oslo.messaging notifications, the way OpenStack
services announce events (Aodh, Vitrage and Tacker consume them).

Event types: ``microscope.diagnosis.end`` (the diagnosis with every alarm
and hint), then one ``microscope.alarm.root_cause`` / ``microscope.alarm.
victim`` per alarm and ``microscope.scaling_hint`` per hint.  Publisher
id ``microscope.engine``; topic ``[alarms] notification_topic``; driver
``[alarms] notification_driver``; transport ``[alarms]
notification_url`` or ``[DEFAULT] transport_url``.
"""
import datetime
import threading
import uuid

import oslo_messaging

from microscope_plugin.integrations.sinks import base

_LOCK = threading.Lock()
# message format version of the messaging drivers
VERSIONS = {'messagingv2': 2.0, 'messaging': 1.0}


class NotificationSink(base.AlarmSink):
    """The ``messaging``/``messagingv2`` drivers and the ``Notifier`` log a
    failed send and return; this sink must know, to retry and to record
    the failure, so for those two drivers it sends as they do — to topic
    ``<topic>.<priority>`` with their message format — but lets the error
    through.  Any other notifier driver goes through a ``Notifier``."""

    name = 'notifications'

    def __init__(self, conf):
        super().__init__(conf)
        self._transport = None
        self._notifier = None

    def transport(self):
        with _LOCK:
            if self._transport is None:
                from microscope_plugin.engine import messaging
                url = self.conf.alarms.notification_url or \
                    messaging.transport_url(self.conf)
                self._transport = oslo_messaging.get_notification_transport(
                    self.conf, url=url)
            return self._transport

    def close(self):
        with _LOCK:
            transport, self._transport, self._notifier = \
                self._transport, None, None
        if transport is not None:
            transport.cleanup()

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
        a = self.conf.alarms
        priority = 'warn' if payload.get('isRootCause') else 'info'
        msg = {'message_id': str(uuid.uuid4()),
               'publisher_id': 'microscope.engine', 'event_type': target,
               'priority': priority.upper(), 'payload': payload,
               'timestamp': str(datetime.datetime.now(
                   datetime.timezone.utc).replace(tzinfo=None))}
        try:
            version = VERSIONS.get(a.notification_driver)
            if version is None:
                if self._notifier is None:
                    self._notifier = oslo_messaging.Notifier(
                        self.transport(), publisher_id='microscope.engine',
                        driver=a.notification_driver,
                        topics=[a.notification_topic], retry=1)
                getattr(self._notifier, priority)({}, target, payload)
                return None
            self.transport()._send_notification(
                oslo_messaging.Target(topic='%s.%s' % (a.notification_topic,
                                                       priority)),
                {}, msg, version=version, retry=1)
        except Exception as e:
            raise base.SinkError('notification %s: %s: %s'
                                 % (target, type(e).__name__, e))
        return None
