"""GET latency of the API under a steady load on loopback.

    python benchmarks/api_load.py [--rate 200] [--seconds 30]

Starts ``microscope-api`` (SQLite, embedded engine) on a free port, fills
it with a short emulated run and a finished diagnosis, then drives GET
requests at a fixed rate over several resources with wrk (Debian's
``wrk``; each connection paces itself with a Lua ``delay``) and prints
achieved rate, latency percentiles and errors.  Without wrk a Python
load generator at the same fixed rate is used.
"""
import argparse
import dataclasses
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))

BIN = os.path.dirname(sys.executable)


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(url, method='GET', body=None, ctype='application/json'):
    data = body if isinstance(body, bytes) or body is None else \
        json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={'Content-Type': ctype})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b'null')


def wait_ready(base, proc, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit('microscope-api exited with %d' % proc.returncode)
        try:
            call(base + '/')
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit('microscope-api did not answer in %d s' % timeout)


def prepare(tmp, duration):
    from microscope_plugin import emulator
    sc = emulator.load_scenario('paper16')
    faults = dict(sc.random_faults, start_s=0.01, gap_ms=20, bursts=1,
                  interrupts=1, bugs=1)
    sc = dataclasses.replace(sc, duration_s=duration, random_faults=faults)
    run = os.path.join(tmp, 'run')
    emulator.run_to_directory(sc, run, counterfactual=False)
    conf = os.path.join(tmp, 'microscope.conf')
    port = free_port()
    with open(conf, 'w') as fh:
        fh.write('[DEFAULT]\nstate_path = %s\n[api]\nport = %d\n'
                 % (os.path.join(tmp, 'state'), port))
    subprocess.run([os.path.join(BIN, 'microscope-dbsync'), '--config-file',
                    conf, 'upgrade'], check=True, capture_output=True)
    return run, conf, port


def populate(base, run):
    topo = call(base + '/v1/topologies', 'POST',
                json.load(open(os.path.join(run, 'topology.json'))))
    coll = call(base + '/v1/collections', 'POST',
                {'topology_id': topo['id'], 'name': 'load'})
    recs = os.path.join(run, 'records')
    for f in sorted(os.listdir(recs)):
        call('%s/v1/collections/%s/files?name=%s' % (base, coll['id'], f),
             'POST', open(os.path.join(recs, f), 'rb').read(),
             'application/octet-stream')
    d = call(base + '/v1/diagnoses', 'POST', {'collection_id': coll['id']})
    while d['state'] not in ('succeeded', 'failed'):
        time.sleep(0.5)
        d = call('%s/v1/diagnoses/%s' % (base, d['id']))
    assert d['state'] == 'succeeded', d
    did = d['id']
    return ['/v1/topologies', '/v1/topologies/%s' % topo['id'],
            '/v1/topologies/%s/nfs?vendor=Delta%%20Crypto' % topo['id'],
            '/v1/collections', '/v1/collections/%s' % coll['id'],
            '/v1/diagnoses/%s' % did,
            '/v1/diagnoses/%s/victims?limit=20' % did,
            '/v1/diagnoses/%s/victims?nf=vpn2&limit=10' % did,
            '/v1/diagnoses/%s/causes?max_rank=1&limit=50' % did,
            '/v1/diagnoses/%s/causes?vendor=Bravo%%20Security&limit=20' % did,
            '/v1/diagnoses/%s/patterns' % did]


LUA = '''
local paths = {%s}
local i = 0
local per_conn_ms = %f
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
delay = function() return per_conn_ms end
'''


def _wrk(base, paths, delay_ms, seconds, conns, tmp):
    script = os.path.join(tmp, 'load.lua')
    with open(script, 'w') as fh:
        fh.write(LUA % (', '.join('"%s"' % p for p in paths), delay_ms))
    out = subprocess.run(['wrk', '-t', '2', '-c', str(conns), '-d',
                          '%ds' % seconds, '--latency', '--timeout', '5s',
                          '-s', script, base], capture_output=True,
                         text=True, check=True).stdout

    def ms(pattern):
        m = re.search(pattern + r'\s+([\d.]+)(us|ms|s)\b', out)
        return float(m.group(1)) * {'us': 1e-3, 'ms': 1.0, 's': 1e3}[m.group(2)]
    rps = float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
    errors = sum(int(x) for x in re.findall(
        r'(?:connect|read|write|timeout) (\d+)', out))
    non2xx = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
    errors += int(non2xx.group(1)) if non2xx else 0
    return out, rps, ms('Latency'), ms('99%'), errors


def run_wrk(base, paths, rate, seconds, conns, tmp):
    """Each connection waits ``delay`` after each response; the delay is
    set from a warm-up's mean latency so that conns / (delay + latency)
    is the target rate."""
    period = 1000.0 * conns / rate
    _, _, mean, _, _ = _wrk(base, paths, period, 5, conns, tmp)
    delay = max(0.0, period - mean)
    out, rps, mean, p99, errors = _wrk(base, paths, delay, seconds, conns,
                                       tmp)
    print(out)
    return rps, p99, errors


def run_python(base, paths, rate, seconds):
    """Fixed-rate open loop: request k is sent at t0 + k / rate."""
    lat, errors = [], [0]
    lock = threading.Lock()
    t0 = time.perf_counter() + 0.2
    total = int(rate * seconds)

    def one(k):
        time.sleep(max(0, t0 + k / rate - time.perf_counter()))
        s = time.perf_counter()
        try:
            urllib.request.urlopen(base + paths[k % len(paths)],
                                   timeout=5).read()
            with lock:
                lat.append((time.perf_counter() - s) * 1e3)
        except Exception:
            with lock:
                errors[0] += 1
    threads = [threading.Thread(target=one, args=(k,)) for k in range(total)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat.sort()
    return (len(lat) / seconds, lat[int(0.99 * (len(lat) - 1))] if lat else
            float('nan'), errors[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--rate', type=float, default=200.0)
    ap.add_argument('--seconds', type=int, default=30)
    ap.add_argument('--connections', type=int, default=16)
    ap.add_argument('--duration', type=float, default=0.1,
                    help='seconds of emulated traffic behind the API')
    ap.add_argument('--server', choices=('microscope-api', 'gunicorn'),
                    default='gunicorn' if shutil.which(
                        'gunicorn', path=BIN) else 'microscope-api',
                    help='microscope-api (one process, threads) or the WSGI '
                         'application under gunicorn (default when '
                         'installed)')
    ap.add_argument('--processes', type=int, default=2,
                    help='gunicorn worker processes')
    ap.add_argument('--threads', type=int, default=4,
                    help='threads per gunicorn worker process')
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix='microscope-load-') as tmp:
        run, conf, port = prepare(tmp, args.duration)
        if args.server == 'gunicorn':
            cmd = [os.path.join(BIN, 'gunicorn'), '-b', '127.0.0.1:%d' % port,
                   '-w', str(args.processes), '-k', 'gthread', '--threads',
                   str(args.threads), '--keep-alive', '30',
                   'microscope_plugin.api.wsgi:init_application()']
        else:
            cmd = [os.path.join(BIN, 'microscope-api'), '--config-file', conf]
        env = dict(os.environ, MICROSCOPE_CONFIG_FILES=conf)
        api = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=env)
        try:
            base = 'http://127.0.0.1:%d' % port
            wait_ready(base, api)
            paths = populate(base, run)
            if shutil.which('wrk'):
                tool = 'wrk'
                rps, p99, errors = run_wrk(base, paths, args.rate,
                                           args.seconds, args.connections, tmp)
            else:
                tool = 'python'
                rps, p99, errors = run_python(base, paths, args.rate,
                                              args.seconds)
            print('API GET load (%s on %s, %d paths, target %.0f req/s, %d s): '
                  'achieved %.1f req/s, p99 %.1f ms, errors %d'
                  % (tool, args.server, len(paths), args.rate, args.seconds,
                     rps, p99, errors))
            print('target p99 <= 50 ms with 0 errors: %s'
                  % ('MET' if p99 <= 50 and errors == 0 else 'NOT MET'))
        finally:
            api.terminate()
            api.wait(30)


if __name__ == '__main__':
    main()
