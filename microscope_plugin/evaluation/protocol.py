"""The accuracy protocol of §6.2 on the emulator.

    ev = run_protocol(ProtocolConfig(), '/tmp/eval')
    ev.ranks['microscope'].table(), ev.ranks['netmedic'].table()

1. Emulate the paper16 preset (16 NFs, CAIDA-like traffic at 1.2 Mpps)
   with the paper's fault mix separated in time: traffic bursts of
   500-2500 packets from a random flow, interrupts of 500-1000 us at a
   random NF, firewall bugs triggered by flows of 50-150 packets
   processed at 0.05 Mpps.  The emulator's counterfactual run (the same
   traffic without the injected faults) decides which packets are victims
   of which fault (``emulator/truth.py``).
2. Read the record files and reconstruct the packets' journeys (§5) —
   the diagnosers see only what collectors would record.
3. Diagnose with Microscope; diagnose the *same* victims (99th percentile
   latency and lost packets) with NetMedic.
4. For every victim packet the truth attributes to an injected fault,
   rank the injected culprit among each diagnoser's causes
   (:mod:`microscope_plugin.evaluation.accuracy`).

An emulated run is written to ``run_dir`` with the configuration beside
it (``protocol.json``) and reused when the configuration matches.
"""
import dataclasses
import glob
import json
import os
import time

import numpy as np

from microscope_plugin.baselines import netmedic
from microscope_plugin.diagnosis import DiagnosisParams
from microscope_plugin.diagnosis.engine import diagnose as microscope_diagnose
from microscope_plugin.emulator import load_scenario, run_to_directory
from microscope_plugin.evaluation import accuracy
from microscope_plugin.topology import Topology
from microscope_plugin.trace.reader import read_records
from microscope_plugin.trace.reconstruct import reconstruct

DIAGNOSERS = ('microscope', 'netmedic')


@dataclasses.dataclass(frozen=True)
class ProtocolConfig:
    """One run of the protocol.  Defaults: §6.1-6.2 (5 s, 15 faults)."""

    preset: str = 'paper16'
    duration_s: float = 5.0
    seed: int = 1
    bursts: int = 5
    interrupts: int = 5
    bugs: int = 5
    burst_packets: tuple = (500, 2500)
    interrupt_us: tuple = (500.0, 1000.0)
    bug_packets: tuple = (50, 150)
    start_s: float = 0.2
    gap_ms: float = 300.0
    netmedic_window_ms: float = 10.0

    def __post_init__(self):
        if not self.duration_s > 0:
            raise ValueError('duration_s must be positive')
        if min(self.bursts, self.interrupts, self.bugs) < 0 \
                or self.bursts + self.interrupts + self.bugs == 0:
            raise ValueError('inject at least one fault (counts must be >= 0)')
        if not self.netmedic_window_ms > 0:
            raise ValueError('netmedic_window_ms must be positive')
        for name in ('burst_packets', 'interrupt_us', 'bug_packets'):
            lo, hi = getattr(self, name)
            if not 0 < lo <= hi:
                raise ValueError('%s must be a range 0 < lo <= hi' % name)

    def scenario(self):
        sc = load_scenario(self.preset)
        start = min(self.start_s, self.duration_s / 10)
        rf = {'bursts': self.bursts, 'interrupts': self.interrupts,
              'bugs': self.bugs, 'start_s': start, 'gap_ms': self.gap_ms,
              'burst_packets': list(self.burst_packets),
              'interrupt_us': list(self.interrupt_us),
              'bug_packets': list(self.bug_packets)}
        return dataclasses.replace(sc, duration_s=self.duration_s,
                                   seed=self.seed, random_faults=rf)

    def emulation_key(self):
        d = dataclasses.asdict(self)
        d.pop('netmedic_window_ms')
        return json.loads(json.dumps(d))


@dataclasses.dataclass
class Evaluation:
    config: ProtocolConfig
    run_dir: str
    trace: object
    truth: dict
    truth_json: dict
    pkt_row: np.ndarray
    params: DiagnosisParams
    results: dict           # diagnoser name -> DiagnosisResult
    ranks: dict             # diagnoser name -> accuracy.Ranks
    timings: dict

    def release(self):
        """Drop the trace and the diagnosis results (gigabytes for a 5 s
        paper16 run); the ranks and the truth's JSON stay."""
        self.trace = None
        self.truth = None
        self.pkt_row = None
        self.results = {}

    def tables(self):
        out = {name: {'component': r.table()} for name, r in self.ranks.items()}
        out['microscope']['strict'] = self.ranks['microscope'].table(strict=True)
        return out


def emulate(cfg, run_dir, progress=None):
    """Emulate ``cfg``'s scenario into ``run_dir`` unless it is there."""
    say = progress or (lambda *a: None)
    stamp = os.path.join(run_dir, 'protocol.json')
    if os.path.exists(stamp) and os.path.exists(os.path.join(run_dir, 'truth.npz')):
        with open(stamp) as fh:
            if json.load(fh) == cfg.emulation_key():
                say('emulate', 'reusing %s' % run_dir)
                return
    sc = cfg.scenario()
    say('emulate', '%s, %.2f s at seed %d: %d bursts, %d interrupts, %d bugs'
        % (sc.name, sc.duration_s, sc.seed, cfg.bursts, cfg.interrupts, cfg.bugs))
    if os.path.exists(stamp):
        os.remove(stamp)
    for old in glob.glob(os.path.join(run_dir, 'records', '*.msr')):
        os.remove(old)
    run_to_directory(sc, run_dir, progress=say)
    with open(stamp, 'w') as fh:
        json.dump(cfg.emulation_key(), fh, indent=2)


def load(run_dir):
    """(trace, truth arrays, truth.json, packet -> truth row) of a run."""
    topo = Topology.load(os.path.join(run_dir, 'topology.json'))
    paths = sorted(glob.glob(os.path.join(run_dir, 'records', '*.msr')))
    trace = reconstruct(topo, [read_records(p) for p in paths])
    truth = dict(np.load(os.path.join(run_dir, 'truth.npz')))
    with open(os.path.join(run_dir, 'truth.json')) as fh:
        truth_json = json.load(fh)
    return trace, truth, truth_json, accuracy.truth_rows_of_packets(trace, truth)


def netmedic_params(window_ms):
    return netmedic.NetMedicParams(window_ns=int(round(window_ms * 1e6)))


def run_netmedic(ev, window_ms):
    """NetMedic with ``window_ms`` on the evaluation's victims; its Ranks."""
    ms = ev.results['microscope']
    res = netmedic.diagnose_prepared(ev.trace, ms.arrays, ms.victims, ev.params,
                                     netmedic_params(window_ms))
    return res, accuracy.evaluate_result(res, ev.truth, ev.truth_json, ev.pkt_row)


def run_protocol(cfg, run_dir, params=None, progress=None):
    """Emulate (or reuse), reconstruct, diagnose with both, rank."""
    say = progress or (lambda *a: None)
    params = params or DiagnosisParams()
    timings = {}
    t = time.perf_counter()
    emulate(cfg, run_dir, say)
    timings['emulate_s'] = time.perf_counter() - t
    t = time.perf_counter()
    trace, truth, tj, pkt_row = load(run_dir)
    timings['reconstruct_s'] = time.perf_counter() - t
    say('trace', '%d packets, %d hops' % (trace.n_packets, len(trace.hop_pkt)))
    t = time.perf_counter()
    ms = microscope_diagnose(trace, params, progress=say)
    timings['microscope_s'] = time.perf_counter() - t
    ev = Evaluation(config=cfg, run_dir=run_dir, trace=trace, truth=truth,
                    truth_json=tj, pkt_row=pkt_row, params=params,
                    results={'microscope': ms}, ranks={}, timings=timings)
    ev.ranks['microscope'] = accuracy.evaluate_result(ms, truth, tj, pkt_row)
    t = time.perf_counter()
    nm, ranks = run_netmedic(ev, cfg.netmedic_window_ms)
    timings['netmedic_s'] = time.perf_counter() - t
    say('netmedic', '%g ms windows' % cfg.netmedic_window_ms)
    ev.results['netmedic'] = nm
    ev.ranks['netmedic'] = ranks
    say('rank', '%d victim packets attributed to injected faults'
        % len(ev.ranks['microscope']))
    return ev
