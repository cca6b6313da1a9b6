"""Vectorised column codecs used by the record format (docs/record-format.md).

* LEB128 unsigned varints (7 bits per byte, high bit = "more bytes follow"),
* zigzag mapping of signed integers onto unsigned ones,
* byte planes: an array of fixed-width integers stored as all low bytes,
  then the next byte of every value, and so on (compresses better than
  interleaved little-endian words).

Everything works on whole numpy arrays; the varint scans, which are
sequential by nature, are compiled with numba.
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


@njit(cache=True)
def _varint_decode(b, count):
    out = np.zeros(count, np.uint64)
    pos = 0
    for i in range(count):
        shift = 0
        v = np.uint64(0)
        while True:
            if pos >= b.size or shift >= 7 * MAX_VARINT_BYTES:
                return out, -1 - i          # ran out, or a varint too long
            c = b[pos]
            pos += 1
            v |= np.uint64(c & 0x7F) << np.uint64(shift)
            if c < 0x80:
                break
            shift += 7
        out[i] = v
    return out, pos


def varint_decode(buf, count, what='varint column'):
    """Decode exactly ``count`` varints from the start of ``buf``.

    Returns ``(values, bytes_used)``; raises :class:`CodecError` when the
    buffer holds fewer than ``count`` complete varints.  The byte stream
    is sequential, so the scan is compiled.
    """
    if count == 0:
        return np.zeros(0, dtype=np.uint64), 0
    b = np.frombuffer(buf, dtype=np.uint8)
    values, used = _varint_decode(b, count)
    if used < 0:
        raise CodecError('%s: expected %d values, found %d complete ones'
                         % (what, count, -1 - used))
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
