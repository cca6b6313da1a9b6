"""Read the headers of the collector's shared-memory rings (ring.h).

Only what tests, runners and operators need to watch a live NF: how far
the producer and the dumper are, and how much was dropped.  The offsets
are pinned by static assertions in ``collector/src/ring.h``.
"""
import dataclasses
import os
import struct

SHM_DIR = '/dev/shm'
MAGIC = 0x474E495250435347
_IDENT = struct.Struct('<QIIQiIQQQqIB3x')       # up to role, 72 bytes
_NAME_OFF, _NAME_LEN = 72, 256
_HEAD_OFF, _CLOSED_OFF, _TAIL_OFF = 1664, 1688, 1728
_PROD = struct.Struct('<QQQI')                  # head, dropped b/p, closed
_CONS = struct.Struct('<QQQQQ')                 # tail, reported b/p, pending b/p


@dataclasses.dataclass(frozen=True)
class RingState:
    shm_name: str
    nf_name: str
    pid: int
    producer: int
    data_size: int
    head: int
    tail: int
    dropped_bursts: int
    dropped_packets: int
    closed: bool

    @property
    def backlog(self):
        """Bytes written by the NF and not yet taken by a dumper."""
        return self.head - self.tail


def ring_names(prefix):
    """Names (without the leading '/') of the rings with ``prefix``."""
    try:
        names = os.listdir(SHM_DIR)
    except OSError:
        return []
    return sorted(n for n in names if n.startswith(prefix + '.'))


def read_ring(name):
    """The state of one ring, or ``None`` if it is gone or not published."""
    try:
        with open(os.path.join(SHM_DIR, name), 'rb') as fh:
            buf = fh.read(_TAIL_OFF + _CONS.size)
    except OSError:
        return None
    if len(buf) < _TAIL_OFF + _CONS.size:
        return None
    (magic, _ver, _hs, size, pid, producer, _ps, _hz, _at, _an, _fl,
     _role) = _IDENT.unpack_from(buf, 0)
    if magic != MAGIC:
        return None
    nf = buf[_NAME_OFF:_NAME_OFF + _NAME_LEN].split(b'\0', 1)[0]
    head, db, dp, closed = _PROD.unpack_from(buf, _HEAD_OFF)
    tail = _CONS.unpack_from(buf, _TAIL_OFF)[0]
    return RingState(name, nf.decode('utf-8', 'replace'), pid, producer,
                     size, head, tail, db, dp, bool(closed))


def rings(prefix):
    return [r for r in (read_ring(n) for n in ring_names(prefix)) if r]


def unlink_rings(prefix):
    """Remove every ring with ``prefix`` (cleanup after tests)."""
    for name in ring_names(prefix):
        try:
            os.unlink(os.path.join(SHM_DIR, name))
        except OSError:
            pass
