"""Stevedore plugins connecting Microscope to an NFV orchestrator.

* ``microscope.collector_deployers`` (:mod:`.deployers`): start, refresh
  and stop collectors where NFs run (``local``, ``tacker``);
* ``microscope.alarm_sinks`` (:mod:`.sinks`): deliver root-cause alarms
  and scaling hints (``aodh``, ``tacker_prometheus``, ``notifications``,
  ``log``);
* ``microscope.diagnosers`` (:mod:`microscope_plugin.diagnosis.base`).

Also here: the alarm documents (:mod:`.alarms`), their delivery off the
diagnosis' critical path (:mod:`.delivery`), auto-scaling hints
(:mod:`.hints`) and the Tacker management driver (:mod:`.tacker`).
See docs/integrations.md.
"""
