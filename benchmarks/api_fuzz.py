"""Property-based fuzzing of the API against its OpenAPI document.

    python benchmarks/api_fuzz.py [--max-examples 100] [--checks all]

Starts ``microscope-api`` (SQLite, embedded engine) on a free port with a
short emulated run ingested and diagnosed (so real ids exist besides the
generated ones), then runs ``schemathesis run`` against the served
``/v1/openapi.json`` and prints its summary.  The target: 0 server errors
(``not_a_server_error``); ``--checks all`` also checks responses against
the document.  Exit status: schemathesis'.
"""
import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))

import api_load  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--max-examples', type=int, default=100)
    ap.add_argument('--checks', default='not_a_server_error')
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix='microscope-fuzz-') as tmp:
        run, conf, port = api_load.prepare(tmp, 0.06)
        api = subprocess.Popen([os.path.join(api_load.BIN, 'microscope-api'),
                                '--config-file', conf],
                               stdout=subprocess.DEVNULL,
                               stderr=open(os.path.join(tmp, 'api.log'), 'w'))
        try:
            base = 'http://127.0.0.1:%d' % port
            api_load.wait_ready(base, api)
            api_load.populate(base, run)
            cmd = [os.path.join(api_load.BIN, 'schemathesis'), 'run',
                   base + '/v1/openapi.json', '--url', base,
                   '--checks', args.checks, '-n', str(args.max_examples),
                   '--seed', str(args.seed), '--request-timeout', '30',
                   '--continue-on-failure', '--no-color']
            print('$ ' + ' '.join(cmd), flush=True)
            rc = subprocess.run(cmd, cwd=tmp).returncode
            log = open(os.path.join(tmp, 'api.log')).read()
            print('server log: %d unexpected errors (tracebacks)'
                  % log.count('Traceback'))
            return rc
        finally:
            api.terminate()
            api.wait(30)


if __name__ == '__main__':
    sys.exit(main())
