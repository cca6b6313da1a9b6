"""``microscope hints``: auto-scaling hints of record files, offline.

Diagnoses the run like ``microscope diagnose`` and applies the rules of
:mod:`microscope_plugin.integrations.hints` ([hints] options) to its
input load and its causes: SCALE_OUT by k, SCALE_IN by k, or HEAL one
instance, each with its evidence.
"""
import json

import numpy as np

from microscope_plugin import conf
from microscope_plugin.cli.base import Command
from microscope_plugin.cli.diagnose import (add_diagnosis_options,
                                            add_input_arguments,
                                            diagnose_arguments)
from microscope_plugin.diagnosis import kernel as K
from microscope_plugin.integrations import hints as hints_mod
from microscope_plugin.integrations import load as load_mod


def local_blame(result):
    """{NF: (victims, victims whose first cause is its own processing)}."""
    V, C = result.victims, result.causes()
    vnf = np.asarray(V.nf, dtype=np.int64)
    first = C.rank == 1
    local = first & np.isin(C.kind, (K.KIND_NF, K.KIND_IN_NF)) & \
        (C.culprit == vnf[C.victim])
    n_local = np.bincount(vnf[C.victim[local]], minlength=len(result.names))
    n_all = np.bincount(vnf, minlength=len(result.names))
    return {result.names[k]: (int(n_all[k]), int(n_local[k]))
            for k in range(len(result.names)) if n_all[k]}


def derive(trace, result, params, conf_=None):
    c = conf_ or conf.CONF
    profile = load_mod.nf_load(trace, params, trace.t_min, trace.t_max + 1,
                               c.hints.window_ms * 1_000_000)
    vendors = {n.name: n.vendor for n in trace.topology.nfs}
    return hints_mod.derive(profile, local_blame(result),
                            hints_mod.HintRules.from_conf(c), vendors)


class Hints(Command):
    """Auto-scaling hints (SCALE_OUT / SCALE_IN / HEAL) with evidence."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_input_arguments(parser)
        parser.add_argument('--json', action='store_true',
                            help='Print the hints as JSON.')
        add_diagnosis_options(parser)
        return parser

    def take_action(self, args):
        params, trace, result = diagnose_arguments(args)
        hints = derive(trace, result, params)
        if args.json:
            self.app.stdout.write(json.dumps(hints, indent=1) + '\n')
            return
        if not hints:
            self.app.stdout.write('No scaling hint: no NF type is short of or '
                                  'idle in capacity, no instance is locally '
                                  'slow.\n')
        for h in hints:
            self.app.stdout.write('%-9s %-12s k=%s  %s\n' % (
                h['action'], h['nf'], h['detail'].get('k', 1), h['reason']))
