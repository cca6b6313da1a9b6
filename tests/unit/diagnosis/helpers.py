"""Run a scenario through records -> reconstruction -> diagnosis."""
import dataclasses
import glob
import os

import numpy as np

from microscope_plugin.diagnosis import DiagnosisParams, diagnose
from microscope_plugin.emulator import parse_scenario, write_outputs
from microscope_plugin.emulator.run import emulate
from microscope_plugin.emulator.truth import attribute, write_truth
from microscope_plugin.evaluation import accuracy
from microscope_plugin.trace.reconstruct import load_trace


@dataclasses.dataclass
class Run:
    em: object
    trace: object
    result: object
    truth: dict
    truth_json: dict
    pkt_row: np.ndarray
    ranked: dict

    def ranks(self):
        return accuracy.evaluate(self.ranked, self.truth, self.truth_json,
                                 self.pkt_row)

    def causes_of_rows(self, rows):
        """Ranked causes of the victim packets that are truth rows ``rows``."""
        want = set(int(r) for r in rows)
        return [c for p, c in self.ranked.items() if self.pkt_row[p] in want]


def run(raw, tmp_path, params=None, counterfactual=True):
    import json
    sc = parse_scenario(raw)
    em = emulate(sc)
    truth = attribute(em, emulate(sc, with_faults=False)) if counterfactual else None
    out = str(tmp_path)
    write_outputs(em, out)
    tj = write_truth(em, truth, out)
    trace = load_trace(sc.topology(), sorted(glob.glob(os.path.join(out, 'records', '*.msr'))))
    res = diagnose(trace, params or DiagnosisParams())
    t = dict(np.load(os.path.join(out, 'truth.npz')))
    tj = json.loads(json.dumps(tj))
    return Run(em=em, trace=trace, result=res, truth=t, truth_json=tj,
               pkt_row=accuracy.truth_rows_of_packets(trace, t),
               ranked=accuracy.microscope_ranked(res))


def stage(name, rate, nxt=None, n=1, **kw):
    d = {'name': name, 'instances': n, 'peak_rate_mpps': rate, 'jitter': 0.05}
    if nxt:
        d['next'] = [{'to': x} for x in nxt]
    d.update(kw)
    return d
