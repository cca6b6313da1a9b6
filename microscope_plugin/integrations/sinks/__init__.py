"""Alarm sinks (stevedore namespace ``microscope.alarm_sinks``).

A sink turns one event — a finished diagnosis with its alarm documents
(:mod:`microscope_plugin.integrations.alarms`) and scaling hints — into
messages for one receiver, and sends one message per call.  Delivery
(retries, backoff, never blocking a diagnosis) is not the sink's job:
:mod:`microscope_plugin.integrations.delivery` does it for every sink.

Writing one: subclass :class:`~.base.AlarmSink`, implement ``messages``
and ``send``, register the class under ``microscope.alarm_sinks`` in your
package's entry points and add its name to ``[integrations] alarm_sinks``.
"""
