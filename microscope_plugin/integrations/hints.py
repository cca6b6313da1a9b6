"""Auto-scaling hints derived from a diagnosis, per NF type, with the
evidence that supports them.

Microscope tells apart a queue built by *input* (arrivals faster than the
NF's peak rate r_i, §4.1's input score S_i) from one built by the NF's own
*slow processing* (the processing score S_p).  That is exactly the line
between "add capacity" and "fix this instance":

* **SCALE_OUT by k** — the type's input (sum over its instances, per
  window) is above the sum of their peak rates in at least
  ``sustained_fraction`` of the windows; k instances more make the 90th
  percentile window fit: k = ceil(p90 / mean r_i) - n (at least 1).
* **HEAL** one instance, not scale — at least ``min_victims`` victims at the
  instance and ``local_share`` of them rank the instance's own processing
  first, while its input was not sustained above its peak rate.
  More instances would not help: the same instance would stay slow.
* **SCALE_IN by k** — a type of several instances whose busiest window
  (99th percentile) still fits into fewer instances used at most
  ``idle_utilisation`` each, with no victim blaming the type's input.

The rules are pure functions of the load profile
(:mod:`microscope_plugin.integrations.load`) and the per-NF blame counts,
so tests feed them hand-built evidence with known answers.
"""
import dataclasses
import math

import numpy as np


@dataclasses.dataclass(frozen=True)
class HintRules:
    sustained_fraction: float = 0.3
    idle_utilisation: float = 0.3
    min_victims: int = 5
    local_share: float = 0.5
    aspects: dict = dataclasses.field(default_factory=dict)

    @classmethod
    def from_conf(cls, conf):
        h = conf.hints
        return cls(h.sustained_fraction, h.idle_utilisation, h.min_victims,
                   h.local_share, dict(h.aspects))


def _rates(p):
    return np.asarray(p['counts'], dtype=float) / (p['window_ns'] / 1e9)


def derive(profile, blame, rules=HintRules(), vendors=None):
    """[hint dict] with nf, vendor, action, score, reason and detail.

    ``profile``: {nf: {'type', 'peak_pps', 'window_ns', 'counts'}};
    ``blame``: {nf: (victims, victims blaming the NF's own processing)}."""
    vendors = vendors or {}
    by_type = {}
    for name, p in sorted(profile.items()):
        by_type.setdefault(p['type'], []).append(name)
    hints = []
    for nf_type, names in sorted(by_type.items()):
        ps = [profile[n] for n in names]
        if any(p.get('peak_pps') in (None, 0) for p in ps) or \
                len({len(p['counts']) for p in ps}) != 1:
            continue
        n = len(names)
        peaks = np.array([p['peak_pps'] for p in ps], dtype=float)
        per = np.vstack([_rates(p) for p in ps])
        total = per.sum(axis=0)
        cap = peaks.sum()
        over = total > cap
        frac = float(over.mean()) if len(total) else 0.0
        vendor = vendors.get(names[0], '')
        aspect = rules.aspects.get(nf_type, nf_type)
        healed = set()
        for i, name in enumerate(names):
            victims, local = blame.get(name, (0, 0))
            own_over = float((per[i] > peaks[i]).mean()) if per.shape[1] else 0
            if victims and local >= rules.min_victims and \
                    local / victims >= rules.local_share and \
                    own_over < rules.sustained_fraction:
                healed.add(name)
                hints.append({
                    'nf': name, 'vendor': vendors.get(name, vendor),
                    'action': 'HEAL', 'score': round(local / victims, 4),
                    'reason': '%d of %d victims at %s rank its own processing '
                              'first while its input stayed below its peak '
                              'rate (%.0f%% of windows above): heal it, '
                              'scaling would not help'
                              % (local, victims, name, 100 * own_over),
                    'detail': {'nf_type': nf_type, 'instance': name, 'k': 1,
                               'victims': victims, 'local_victims': local,
                               'windows_above_peak': round(own_over, 4),
                               'peak_pps': float(peaks[i])}})
        p90 = float(np.percentile(total, 90)) if len(total) else 0.0
        p99 = float(np.percentile(total, 99)) if len(total) else 0.0
        mean_peak = float(peaks.mean())
        evidence = {'nf_type': nf_type, 'instances': names,
                    'peak_pps': [float(x) for x in peaks],
                    'capacity_pps': float(cap), 'windows': int(len(total)),
                    'window_ns': ps[0]['window_ns'],
                    'windows_above_capacity': int(over.sum()),
                    'p90_input_pps': round(p90, 1),
                    'p99_input_pps': round(p99, 1),
                    'mean_input_pps': round(float(total.mean()), 1)
                    if len(total) else 0.0, 'aspect_id': aspect}
        if frac >= rules.sustained_fraction and frac > 0:
            k = max(1, math.ceil(p90 / mean_peak) - n)
            hints.append({
                'nf': nf_type, 'vendor': vendor, 'action': 'SCALE_OUT',
                'score': round(frac, 4),
                'reason': 'input of %s above its %d instances\' peak rate '
                          '(%.0f pps) in %.0f%% of the windows; p90 %.0f pps '
                          'needs %d more' % (nf_type, n, cap, 100 * frac,
                                             p90, k),
                'detail': dict(evidence, k=k)})
            continue
        input_blamed = any(blame.get(nm, (0, 0))[0] > blame.get(nm, (0, 0))[1]
                           for nm in names if nm not in healed)
        if n > 1 and not healed and not input_blamed and mean_peak > 0:
            need = max(1, math.ceil(p99 / (rules.idle_utilisation * mean_peak)))
            if need < n:
                k = n - need
                hints.append({
                    'nf': nf_type, 'vendor': vendor, 'action': 'SCALE_IN',
                    'score': round(1 - p99 / cap, 4),
                    'reason': 'busiest window of %s (p99 %.0f pps) fits into '
                              '%d of its %d instances at %.0f%% of their peak '
                              'rate: %d fewer' % (nf_type, p99, need, n,
                                                  100 * rules.idle_utilisation,
                                                  k),
                    'detail': dict(evidence, k=k)})
    return hints
