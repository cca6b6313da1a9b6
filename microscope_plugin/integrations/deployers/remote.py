"""``tacker``: collectors on the compute nodes of a VNF managed by Tacker.

The Tacker management driver
(:mod:`microscope_plugin.integrations.tacker`) resolves a VNF instance to
its VNFCs and the compute hosts they run on and calls this deployer once
per (VNFC, host).  Each call runs ``[collector_deployer] remote_command``
(default ``ssh {host} systemctl {action} microscope-collector@{vnfc_id}
.service``: a unit on the node runs the NF under the collector) and,
on removal, ``fetch_command`` to copy the node's last record files into
this host's records directory.  Commands run without a shell, under a
timeout; a failure is a DeployError naming the host and the output.
"""
import os
import shlex
import subprocess

from microscope_plugin.integrations.deployers import base


class TackerDeployer(base.CollectorDeployer):
    name = 'tacker'

    def __init__(self, conf):
        super().__init__(conf)
        self.deployed = {}

    def _fields(self, target, action, **extra):
        d = {'action': action, 'host': target.get('host', ''),
             'vnf_instance_id': target.get('vnf_instance_id', ''),
             'vnfc_id': target.get('vnfc_id', ''), 'nf': target.get('nf', ''),
             'records_dir': self.conf.collector_deployer.records_dir}
        d.update(extra)
        return d

    def _run(self, template, fields):
        try:
            argv = [a.format(**fields) for a in shlex.split(template)]
        except (KeyError, ValueError) as e:
            raise base.DeployError('[collector_deployer] command %r: %s'
                                   % (template, e))
        try:
            p = subprocess.run(argv, capture_output=True, text=True,
                               timeout=self.conf.collector_deployer
                               .command_timeout_s)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise base.DeployError('%s on host %s: %s'
                                   % (fields['action'], fields['host'], e))
        if p.returncode != 0:
            raise base.DeployError('%s on host %s exited %d: %s' % (
                fields['action'], fields['host'], p.returncode,
                (p.stderr or p.stdout).strip()[-500:]))
        return p.stdout

    def _key(self, target):
        return (target.get('vnf_instance_id'), target.get('vnfc_id'))

    def deploy(self, target, action='start'):
        if not target.get('host'):
            raise base.DeployError('VNFC %s of VNF %s has no compute host' % (
                target.get('vnfc_id'), target.get('vnf_instance_id')))
        self._run(self.conf.collector_deployer.remote_command,
                  self._fields(target, action))
        self.deployed[self._key(target)] = dict(target)
        return {'nf': target.get('nf'), 'host': target['host'],
                'state': 'running'}

    def refresh(self, target):
        return self.deploy(target, action='restart')

    def remove(self, target):
        self._run(self.conf.collector_deployer.remote_command,
                  self._fields(target, 'stop'))
        dest = os.path.join(self.conf.collector_deployer.records_dir,
                            target.get('vnf_instance_id') or 'vnf')
        os.makedirs(dest, exist_ok=True)
        before = self._stamps(dest)
        self._run(self.conf.collector_deployer.fetch_command,
                  self._fields(target, 'fetch', dest=dest))
        self.deployed.pop(self._key(target), None)
        files = sorted(os.path.join(dest, f) for f, st in
                       self._stamps(dest).items() if before.get(f) != st)
        return {'nf': target.get('nf'), 'host': target.get('host'),
                'state': 'stopped', 'record_files': files}

    @staticmethod
    def _stamps(path):
        """{file: (size, mtime_ns)}: what a fetch added or changed."""
        out = {}
        for f in os.listdir(path):
            st = os.stat(os.path.join(path, f))
            out[f] = (st.st_size, st.st_mtime_ns)
        return out

    def status(self):
        return {'%s/%s' % k: 'running' for k in self.deployed}
