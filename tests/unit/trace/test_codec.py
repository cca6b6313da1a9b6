"""Column codecs: varints, zigzag, byte planes."""
import numpy as np
import pytest

from microscope_plugin.trace import codec


def test_varints_round_trip_and_report_what_is_missing():
    v = np.array([0, 1, 127, 128, 300, 2**35, 2**64 - 1], dtype=np.uint64)
    enc = codec.varint_encode(v)
    dec, used = codec.varint_decode(enc + b'tail', len(v))
    np.testing.assert_array_equal(dec, v)
    assert used == len(enc)
    with pytest.raises(codec.CodecError, match='expected 7 values, found 6'):
        codec.varint_decode(enc[:-1], len(v), 'ts')
    with pytest.raises(codec.CodecError, match='found 0'):
        codec.varint_decode(b'\xff' * 12, 1)        # longer than 10 bytes


def test_zigzag_and_planes():
    s = np.array([0, -1, 1, -2**62, 2**62], dtype=np.int64)
    np.testing.assert_array_equal(codec.zigzag_decode(codec.zigzag_encode(s)), s)
    u = np.array([1, 0x1234, 0xFFFF], dtype=np.uint16)
    enc = codec.planes_encode(u, 2)
    assert enc == bytes([1, 0x34, 0xFF, 0, 0x12, 0xFF])
    np.testing.assert_array_equal(codec.planes_decode(enc, 3, 2)[0], u)
    with pytest.raises(codec.CodecError):
        codec.planes_decode(enc[:5], 3, 2)
