"""Progress lines on stderr for long-running commands."""
import sys
import time


class Progress:
    """Callable ``progress(step, detail)`` printing elapsed time."""

    def __init__(self, stream=None, enabled=True):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.t0 = time.perf_counter()

    def __call__(self, step, detail=''):
        if self.enabled:
            self.stream.write('[%7.1fs] %-10s %s\n'
                              % (time.perf_counter() - self.t0, step, detail))
            self.stream.flush()
