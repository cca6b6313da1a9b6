"""Real HTTP receivers on loopback for the alarm sink tests: an
``http.server`` in a thread that records every request and answers with
a scripted sequence of status codes; and the address of a dead one."""
import http.server
import json
import socket
import threading


class Receiver:
    """Records (path, headers, JSON body); answers ``statuses`` in turn
    (the last one repeats)."""

    def __init__(self, statuses=(204,)):
        self.statuses = list(statuses)
        self.requests = []
        self.lock = threading.Lock()
        recv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get('Content-Length') or 0)
                raw = self.rfile.read(n)
                with recv.lock:
                    i = len(recv.requests)
                    headers = {k.lower(): x for k, x in self.headers.items()}
                    recv.requests.append((self.path, headers,
                                          json.loads(raw or b'null')))
                    code = recv.statuses[min(i, len(recv.statuses) - 1)]
                self.send_response(code)
                self.send_header('Content-Length', '0')
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      Handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.server.server_address[1]

    def bodies(self, path=None):
        with self.lock:
            return [b for p, _, b in self.requests if path in (None, p)]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def dead_url():
    """A loopback URL where nothing listens (connection refused)."""
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return 'http://127.0.0.1:%d' % port
