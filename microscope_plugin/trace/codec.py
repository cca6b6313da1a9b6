"""Vectorised column codecs used by the record format (docs/record-format.md).

* LEB128 unsigned varints (7 bits per byte, high bit = "more bytes follow"),
* zigzag mapping of signed integers onto unsigned ones,
* byte planes: an array of fixed-width integers stored as all low bytes,
  then the next byte of every value, and so on (compresses better than
  interleaved little-endian words).

Everything works on whole numpy arrays; nothing loops per value.
"""
import numpy as np
from numba import njit

MAX_VARINT_BYTES = 10


class CodecError(ValueError):
    """A column could not be decoded (the message says which and why)."""


def zigzag_encode(values):
    v = np.asarray(values, dtype=np.int64)
    return ((v << 1) ^ (v >> 63)).astype(np.uint64)


def zigzag_decode(values):
    u = np.asarray(values, dtype=np.uint64)
    return ((u >> np.uint64(1)).astype(np.int64)
            ^ -(u & np.uint64(1)).astype(np.int64))


@njit(cache=True)
def _varint_encode(v):
    out = np.empty(v.size * MAX_VARINT_BYTES, np.uint8)
    j = 0
    for i in range(v.size):
        x = v[i]
        while x >= 0x80:
            out[j] = np.uint8((x & 0x7F) | 0x80)
            x >>= 7
            j += 1
        out[j] = np.uint8(x)
        j += 1
    return out[:j]


def varint_encode(values):
    """Encode non-negative integers as concatenated LEB128 varints (bytes).

    The writer's only per-value loop, compiled; decoding stays numpy.
    """
    v = np.ascontiguousarray(values, dtype=np.uint64)
    if v.size == 0:
        return b''
    return _varint_encode(v).tobytes()


def varint_decode(buf, count, what='varint column'):
    """Decode exactly ``count`` varints from the start of ``buf``.

    Returns ``(values, bytes_used)``; raises :class:`CodecError` when the
    buffer holds fewer than ``count`` complete varints.
    """
    if count == 0:
        return np.zeros(0, dtype=np.uint64), 0
    b = np.frombuffer(buf, dtype=np.uint8)
    ends = np.flatnonzero(b < 0x80)
    if ends.size < count:
        raise CodecError('%s: expected %d values, found %d'
                         % (what, count, ends.size))
    ends = ends[:count]
    used = int(ends[-1]) + 1
    b = b[:used]
    starts = np.empty(count, dtype=np.int64)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts + 1
    if lengths.max() > MAX_VARINT_BYTES:
        raise CodecError('%s: varint longer than %d bytes'
                         % (what, MAX_VARINT_BYTES))
    values = np.zeros(count, dtype=np.uint64)
    for k in range(int(lengths.max())):
        sel = lengths > k
        values[sel] |= ((b[starts[sel] + k].astype(np.uint64) & np.uint64(0x7F))
                        << np.uint64(7 * k))
    return values, used


def planes_encode(values, width):
    """Store ``width``-byte little-endian integers as byte planes."""
    v = np.ascontiguousarray(values, dtype='<u%d' % width)
    return v.view(np.uint8).reshape(-1, width).T.tobytes()


def planes_decode(buf, count, width, what='byte-plane column'):
    need = count * width
    if len(buf) < need:
        raise CodecError('%s: needs %d bytes, %d left' % (what, need, len(buf)))
    p = np.frombuffer(buf, dtype=np.uint8, count=need).reshape(width, count)
    return np.ascontiguousarray(p.T).view('<u%d' % width).reshape(count), need
