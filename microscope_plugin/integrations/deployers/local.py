"""``local``: a DPDK NF on this host, started under the collector.

The NF command (e.g. ``dpdk-testpmd`` with ``net_null``/``net_pcap``
vdevs, ``--no-huge --no-pci --file-prefix <unique>``) runs under
``timeout(1)`` so that it can never outlive ``[collector_deployer]
run_timeout_s``; :class:`~microscope_plugin.collector.CollectorRun` gives
it the shim through ``LD_PRELOAD`` and runs the dumper beside it.
``remove`` stops the NF (newline on stdin, as testpmd expects, or the
configured signal), lets the dumper drain the rings and returns the
record files.  Only processes this deployer started are signalled.
"""
import os
import threading

from microscope_plugin.integrations.deployers import base


class LocalDeployer(base.CollectorDeployer):
    name = 'local'

    def __init__(self, conf, artifacts=None):
        super().__init__(conf)
        self.artifacts = artifacts
        self.runs = {}
        self._lock = threading.Lock()

    def _records_dir(self, target):
        return target.get('out_dir') or os.path.join(
            self.conf.collector_deployer.records_dir, target['nf'])

    def deploy(self, target):
        from microscope_plugin.collector import CollectorRun
        nf = target.get('nf')
        cmd = target.get('command')
        if not nf or not cmd:
            raise base.DeployError('local deploy needs nf and command, got '
                                   '%s' % sorted(target))
        with self._lock:
            if nf in self.runs and self.runs[nf].nf.poll() is None:
                raise base.DeployError('NF %s is already running under the '
                                       'collector' % nf)
            timeout = target.get('timeout_s',
                                 self.conf.collector_deployer.run_timeout_s)
            wrapped = ['timeout', '--signal=INT', '--kill-after=5',
                       '%gs' % timeout] + list(cmd)
            out = self._records_dir(target)
            run = CollectorRun(
                wrapped, nf, out,
                ring_size=target.get('ring_size',
                                     self.conf.collector_deployer.ring_size),
                tuples=target.get('tuples', 'off'),
                role=target.get('role', 'nf'), artifacts=self.artifacts,
                log_dir=target.get('log_dir') or os.path.join(out, 'logs'),
                stop_mode=target.get('stop_mode', 'stdin'))
            try:
                run.start()
            except Exception as e:
                run.close()
                raise base.DeployError('starting NF %s under the collector: '
                                       '%s' % (nf, e))
            self.runs[nf] = run
        return {'nf': nf, 'state': 'running', 'pid': run.nf.pid,
                'records_dir': str(out)}

    def refresh(self, target):
        run = self.runs.get(target.get('nf'))
        if run is not None and run.nf.poll() is None:
            return {'nf': target['nf'], 'state': 'running', 'pid': run.nf.pid}
        if run is not None:
            self.remove(target)
        return self.deploy(target)

    def remove(self, target, timeout=30):
        nf = target.get('nf')
        with self._lock:
            run = self.runs.pop(nf, None)
        if run is None:
            raise base.DeployError('NF %s is not running under this '
                                   'deployer' % nf)
        try:
            run.stop(timeout)
            files = [str(p) for p in run.files()]
            code = run.nf_returncode
        finally:
            run.close()
        return {'nf': nf, 'state': 'stopped', 'returncode': code,
                'record_files': files}

    def status(self):
        return {nf: ('running' if r.nf.poll() is None else
                     'exited %s' % r.nf.returncode)
                for nf, r in self.runs.items()}
