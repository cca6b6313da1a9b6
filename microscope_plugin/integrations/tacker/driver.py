"""The v1 VNF LCM management driver (Tacker's
``VnflcmMgmtAbstractDriver``), entry point ``tacker.tacker.mgmt.drivers``
= ``microscope``.

``instantiate_end``, ``scale_end`` and ``heal_end`` deploy or refresh the
collector on the VNF's compute nodes; ``terminate_start`` removes it and
fetches the last record files (before the servers go away); every other
step does nothing, like Tacker's own noop driver.  Tacker passes keyword
arguments (``context``, ``vnf_instance``, the operation's request,
``grant``, ``grant_request``); older releases pass
``additional_params`` — both fit these signatures.  A collector that
cannot be deployed is logged, never fails the VNF's lifecycle operation,
unless ``fail_on_error`` is set on the driver.
"""
import logging

from microscope_plugin.integrations.tacker import lifecycle

LOG = logging.getLogger(__name__)

try:   # Tacker installed: derive from its abstract class
    from tacker.vnfm.mgmt_drivers.vnflcm_abstract_driver import \
        VnflcmMgmtAbstractDriver as _Base
except ImportError:   # not installed: the same interface, locally
    class _Base:
        pass

NAME = 'microscope'


class MicroscopeMgmtDriver(_Base):
    fail_on_error = False

    def __init__(self, conf=None, deployer=None):
        self._conf, self._deployer = conf, deployer
        self._lifecycle = None
        self.reports = []   # (step, report) of the last operations

    def lifecycle(self):
        if self._lifecycle is None:
            self._lifecycle = lifecycle.Lifecycle(self._conf, self._deployer)
        return self._lifecycle

    def get_type(self):
        return NAME

    def get_name(self):
        return NAME

    def get_description(self):
        return ('Microscope: deploys the queue-based diagnosis collector on '
                'the VNF\'s compute nodes and removes it at termination')

    def _do(self, step, action, vnf_instance):
        report = getattr(self.lifecycle(), action)(vnf_instance)
        self.reports.append((step, report))
        bad = [r for r in report if not r['ok']]
        if bad and self.fail_on_error:
            raise RuntimeError('microscope %s: %s' % (step, '; '.join(
                '%s: %s' % (r['host'], r['error']) for r in bad)))
        return report

    def _noop(self, step):
        self.reports.append((step, []))

    # -- the steps that act ------------------------------------------------
    def instantiate_end(self, context, vnf_instance, *args, **kwargs):
        return self._do('instantiate_end', 'deploy', vnf_instance)

    def scale_end(self, context, vnf_instance, *args, **kwargs):
        return self._do('scale_end', 'refresh', vnf_instance)

    def heal_end(self, context, vnf_instance, *args, **kwargs):
        return self._do('heal_end', 'refresh', vnf_instance)

    def terminate_start(self, context, vnf_instance, *args, **kwargs):
        return self._do('terminate_start', 'remove', vnf_instance)

    # -- no-ops --------------------------------------------------------------
    def instantiate_start(self, context, vnf_instance, *args, **kwargs):
        self._noop('instantiate_start')

    def terminate_end(self, context, vnf_instance, *args, **kwargs):
        self._noop('terminate_end')

    def scale_start(self, context, vnf_instance, *args, **kwargs):
        self._noop('scale_start')

    def heal_start(self, context, vnf_instance, *args, **kwargs):
        self._noop('heal_start')

    def change_external_connectivity_start(self, context, vnf_instance,
                                           *args, **kwargs):
        self._noop('change_external_connectivity_start')

    def change_external_connectivity_end(self, context, vnf_instance,
                                         *args, **kwargs):
        self._noop('change_external_connectivity_end')

    def modify_information_start(self, context, vnf_instance, *args,
                                 **kwargs):
        self._noop('modify_information_start')

    def modify_information_end(self, context, vnf_instance, *args,
                               **kwargs):
        self._noop('modify_information_end')
