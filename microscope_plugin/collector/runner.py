"""Run an unmodified DPDK NF under the collector, with a dumper.

::

    run = CollectorRun(['dpdk-testpmd', ...], 'fw1', '/var/tmp/records',
                       ring_size=1 << 20, tuples='off')
    run.start()
    ...
    run.stop()                 # NF first, then the dumper once it drained
    records = run.read()       # NFRecords of every file the run wrote

The NF gets the shim through ``LD_PRELOAD`` and its settings through
``MICROSCOPE_*`` variables (docs/collector.md); each run uses its own
shared-memory prefix so that runs never see each other's rings.  Only
processes this object started are ever signalled, by their pid.
"""
import itertools
import os
import pathlib
import re
import signal
import subprocess
import tempfile
import time

import numpy as np

from microscope_plugin.collector import build as build_mod
from microscope_plugin.collector import rings as rings_mod
from microscope_plugin.trace import NFRecords, read_records
from microscope_plugin.trace.records import Bursts, Packets

_COUNTER = itertools.count()


def _safe(name):
    return re.sub(r'[^A-Za-z0-9_.-]', '_', name)


def read_nf_records(paths):
    """Read several record files of one NF (rotation, restarts) as one
    :class:`NFRecords`: blocks in file order, drops added up."""
    parts = [read_records(p) for p in paths]
    if not parts:
        raise FileNotFoundError('no record files given')
    return NFRecords(
        header=parts[0].header,
        bursts=Bursts.concat([p.bursts for p in parts]),
        packets=Packets.concat([p.packets for p in parts]),
        path=','.join(str(p) for p in paths),
        n_blocks=sum(p.n_blocks for p in parts),
        dropped_packets=sum(p.dropped_packets for p in parts),
        dropped_bursts=sum(p.dropped_bursts for p in parts),
        file_bytes=sum(p.file_bytes for p in parts))


class CollectorRun:
    """One NF process recorded by the collector, plus its dumper.

    ``stop_mode='stdin'`` ends the NF by writing a newline to its stdin
    (testpmd's "Press enter to exit"); ``'sigint'``/``'sigterm'`` send
    that signal.  ``collector=False`` runs the same NF without the shim
    (for overhead baselines).  ``settings`` are extra collector settings
    (``{'ring_size': ...}`` style keys) for both the NF and the dumper;
    ``dumper_args`` extra dumper arguments (e.g. ``['--discard']``);
    ``preload=False`` for an NF that links the collector itself (a
    statically linked DPDK application): settings only, no LD_PRELOAD.
    """

    def __init__(self, nf_cmd, nf_name, out_dir, ring_size=1 << 20,
                 tuples='off', role='nf', artifacts=None, shm_prefix=None,
                 dumper=True, collector=True, env=None, log_dir=None,
                 stop_mode='stdin', settings=None, dumper_cpus=None,
                 dumper_args=(), preload=True):
        self.nf_cmd = [str(a) for a in nf_cmd]
        self.nf_name = nf_name
        self.out_dir = pathlib.Path(out_dir)
        self.ring_size = int(ring_size)
        self.tuples = tuples
        self.role = role
        self.artifacts = artifacts
        self.shm_prefix = shm_prefix or 'msc%dx%d' % (os.getpid(),
                                                      next(_COUNTER))
        self.use_dumper = dumper
        self.collector = collector
        self.extra_env = dict(env or {})
        self.log_dir = pathlib.Path(log_dir or tempfile.mkdtemp(
            prefix='microscope-run-'))
        self.stop_mode = stop_mode
        self.settings = dict(settings or {})
        self.dumper_cpus = dumper_cpus
        self.dumper_args = [str(a) for a in dumper_args]
        self.preload = preload
        self.nf = None
        self.dumper = None
        self.nf_returncode = None
        self._dumper_starts = 0

    # -- processes ---------------------------------------------------------
    def _settings(self):
        s = {'nf_name': self.nf_name, 'out_dir': str(self.out_dir),
             'ring_size': str(self.ring_size), 'tuples': self.tuples,
             'role': self.role, 'shm_prefix': self.shm_prefix}
        s.update({k: str(v) for k, v in self.settings.items()})
        return s

    def nf_env(self):
        env = dict(os.environ)
        env.update(self.extra_env)
        if self.collector:
            for key, value in self._settings().items():
                env['MICROSCOPE_' + key.upper()] = value
            if self.preload:
                pre = env.get('LD_PRELOAD', '')
                env['LD_PRELOAD'] = ' '.join(filter(None, [
                    str(self._art().shim), pre]))
        return env

    def _art(self):
        if self.artifacts is None:
            self.artifacts = build_mod.build()
        return self.artifacts

    def start(self):
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if self.use_dumper and self.collector:
            self.start_dumper()
        log = open(self.log_dir / ('%s.log' % _safe(self.nf_name)), 'wb')
        self.nf = subprocess.Popen(self.nf_cmd, stdin=subprocess.PIPE,
                                   stdout=log, stderr=subprocess.STDOUT,
                                   env=self.nf_env())
        log.close()
        return self

    def start_dumper(self):
        if self.dumper is not None and self.dumper.poll() is None:
            raise RuntimeError('the dumper is already running')
        self._dumper_starts += 1
        s = self._settings()
        args = [str(self._art().dumper), '--out-dir', str(self.out_dir),
                '--nf', self.nf_name]
        args += ['%s=%s' % (k, v) for k, v in s.items()
                 if k not in ('nf_name', 'out_dir', 'ring_size', 'tuples',
                              'role')] + self.dumper_args
        log = open(self.log_dir / ('%s.dumper.log' % _safe(self.nf_name)),
                   'ab')
        cpus = self.dumper_cpus
        self.dumper = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
        log.close()
        return self.dumper

    def stop_dumper(self, timeout=60):
        """SIGTERM: the dumper drains, writes and closes everything."""
        return self._end(self.dumper, signal.SIGTERM, timeout)

    def kill_dumper(self):
        """SIGKILL: no chance to flush (what a crash looks like)."""
        return self._end(self.dumper, signal.SIGKILL, 10)

    @staticmethod
    def _end(proc, sig, timeout):
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return proc.returncode

    def stop_nf(self, timeout=60):
        if self.nf is None:
            return None
        if self.nf.poll() is None:
            if self.stop_mode == 'stdin':
                try:
                    self.nf.stdin.write(b'\n')
                    self.nf.stdin.close()
                except (BrokenPipeError, ValueError):
                    pass
            else:
                self.nf.send_signal(signal.SIGINT if self.stop_mode == 'sigint'
                                    else signal.SIGTERM)
            try:
                self.nf.wait(timeout)
            except subprocess.TimeoutExpired:
                self.nf.kill()
                self.nf.wait()
        self.nf_returncode = self.nf.returncode
        return self.nf_returncode

    def stop(self, timeout=60):
        """Stop the NF, let the dumper finish its rings, then stop it."""
        self.stop_nf(timeout)
        if self.dumper is not None and self.dumper.poll() is None:
            self.wait_drained(timeout)
            self.stop_dumper(timeout)
        return self

    def close(self):
        """Kill whatever this run started and is still running; remove its
        rings.  Safe to call more than once."""
        for proc in (self.nf, self.dumper):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        rings_mod.unlink_rings(self.shm_prefix)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- observation -------------------------------------------------------
    def rings(self):
        return rings_mod.rings(self.shm_prefix)

    def wait_rings_idle(self, quiet=0.5, timeout=60, min_head=1):
        """Wait until the NF's rings stop growing for ``quiet`` seconds
        (after having grown to at least ``min_head`` bytes in total)."""
        deadline = time.monotonic() + timeout
        last, since = None, time.monotonic()
        while time.monotonic() < deadline:
            heads = tuple((r.shm_name, r.head) for r in self.rings())
            total = sum(h for _, h in heads)
            if heads != last:
                last, since = heads, time.monotonic()
            elif total >= min_head and time.monotonic() - since >= quiet:
                return True
            time.sleep(0.05)
        return False

    def wait_drained(self, timeout=60):
        """Wait until the dumper has finished (and removed) every ring."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not rings_mod.ring_names(self.shm_prefix):
                return True
            if self.dumper is None or self.dumper.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def files(self):
        return sorted(self.out_dir.glob('%s-*.msr' % _safe(self.nf_name)))

    def read(self):
        return read_nf_records(self.files())

    def nf_output(self):
        return self._log('%s.log')

    def dumper_output(self):
        return self._log('%s.dumper.log')

    def _log(self, pattern):
        path = self.log_dir / (pattern % _safe(self.nf_name))
        return path.read_text(errors='replace') if path.exists() else ''


def burst_direction(records):
    """Direction of each packet record (0 rx, 1 tx)."""
    return np.repeat(records.bursts.direction,
                     records.bursts.count.astype(np.int64))
