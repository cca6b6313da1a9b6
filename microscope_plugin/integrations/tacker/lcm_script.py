"""The v2 (``sol_refactored``) form: an LCM script the VNFD's interfaces
name (e.g. ``instantiate_end: Scripts/microscope_lcm.py``), which Tacker
runs with the current Python, writing a pickled dict to its stdin
(``operation``, ``request``, ``vnf_instance``, ``grant_request``,
``grant_response``, ``tmp_csar_dir``, ...).  The script answers with a
pickled dict on stdout and exits 0; a non-zero exit (with the reason on
stderr) fails the LCM operation.

Ship it in the VNF package as ``Scripts/microscope_lcm.py`` containing::

    from microscope_plugin.integrations.tacker.lcm_script import main
    main()

``python -m microscope_plugin.integrations.tacker.lcm_script`` is the
same.  Unlike the v1 driver, a host that cannot be reached fails the
operation here only if ``MICROSCOPE_FAIL_ON_ERROR=1``.
"""
import os
import pickle
import sys

from microscope_plugin.integrations.tacker import lifecycle

ACTIONS = {'instantiate_end': 'deploy', 'scale_end': 'refresh',
           'heal_end': 'refresh', 'terminate_start': 'remove'}
NOOPS = ('instantiate_start', 'terminate_end', 'scale_start', 'heal_start',
         'change_external_connectivity_start',
         'change_external_connectivity_end', 'modify_information_start',
         'modify_information_end', 'instantiate_rollback_start',
         'scale_rollback_start', 'change_current_package_start',
         'change_current_package_end')


def run(script_dict, conf=None):
    """The output dict for one invocation (raises on failure)."""
    operation = script_dict.get('operation')
    if operation in NOOPS:
        return {}
    action = ACTIONS.get(operation)
    if action is None:
        raise ValueError('operation %r is not handled (handled: %s)' % (
            operation, ', '.join(sorted(ACTIONS) + sorted(NOOPS))))
    report = getattr(lifecycle.Lifecycle(conf), action)(
        script_dict.get('vnf_instance') or {})
    bad = [r for r in report if not r['ok']]
    if bad and os.environ.get('MICROSCOPE_FAIL_ON_ERROR') == '1':
        raise RuntimeError('; '.join('%s: %s' % (r['host'], r['error'])
                                     for r in bad))
    return {'microscope': {'operation': operation, 'collectors': report}}


def main():
    try:
        script_dict = pickle.load(sys.stdin.buffer)
        out = run(script_dict)
        sys.stdout.buffer.write(pickle.dumps(out))
        sys.stdout.flush()
    except Exception as e:
        sys.stderr.write('%s: %s' % (type(e).__name__, e))
        sys.stderr.flush()
        os._exit(1)
    os._exit(0)


if __name__ == '__main__':
    main()
