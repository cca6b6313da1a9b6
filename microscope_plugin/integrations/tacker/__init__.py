"""Tacker integration: a VNF LCM management driver that keeps Microscope
collectors on a VNF's compute nodes.

* :mod:`.driver` — the v1 interface (``tacker.tacker.mgmt.drivers`` entry
  point ``microscope``; enable with ``[tacker] vnflcm_mgmt_driver =
  vnflcm_noop,microscope``);
* :mod:`.lcm_script` — the v2 form: a script the VNFD names for its LCM
  interfaces, run by Tacker with a pickled dict on stdin.

Tacker is not a dependency: without it the driver derives from a local
stand-in of Tacker's abstract class with the same methods.
"""
