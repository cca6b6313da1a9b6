"""Record file format, version 1 — constants, header and block framing.

The byte-by-byte layout is documented in ``docs/record-format.md``; this
module and ``collector/src/record_format.h`` are its two implementations.
A file is a header followed by self-contained blocks, each with a CRC-32,
so a truncated or corrupt file stays readable up to its last good block.
"""
import dataclasses
import struct
import typing
import zlib

MAGIC = b'MSCOPREC'
BLOCK_MAGIC = b'MSBK'
VERSION = 1

ROLE_NF = 0          # an NF instance: rx and tx bursts
ROLE_SOURCE = 1      # a traffic entry tap: tx bursts of what entered

DIR_RX = 0
DIR_TX = 1

FLAG_TUPLES_RX = 1 << 0
FLAG_TUPLES_TX = 1 << 1

CODEC_RAW = 0
CODEC_ZLIB = 1

# per-packet code byte: bits 0-1 kind, bit 2 has_tuple
KIND_LITERAL = 0     # IPv4, IPID stored in the literal column
KIND_REF = 1         # IPv4, IPID equal to an earlier rx packet's in the block
KIND_NOT_IPV4 = 2    # not IPv4: no IPID, no 5-tuple
# IPv4 with a tuple: IPID = previous IPID of the same source address in
# the block + 1 (mod 2^16)
KIND_SUCCESSOR = 3
CODE_KIND_MASK = 0x03
CODE_HAS_TUPLE = 0x04

HEADER_FIXED = struct.Struct('<8sHHBBHQQqII')     # 48 bytes
BLOCK_HEADER = struct.Struct('<4sIIIIIQQIIB3x')   # 52 bytes, then CRC u32
BLOCK_CRC = struct.Struct('<I')
BLOCK_HEAD = BLOCK_HEADER.size + BLOCK_CRC.size     # header + CRC, 56 bytes
STREAM = struct.Struct('<HHB')
MAX_NAME = 255
MAX_BLOCK_PAYLOAD = 256 << 20


class RecordFormatError(Exception):
    """A record file is malformed.  Names the file and the byte offset."""

    def __init__(self, path, offset, reason):
        self.path = str(path)
        self.offset = int(offset)
        self.reason = reason
        super().__init__('%s: at byte offset %d: %s'
                         % (self.path, self.offset, reason))


@dataclasses.dataclass(frozen=True)
class FileHeader:
    """Identity of the recording NF and its clock (§5, Table 1)."""

    nf_name: str
    host: str = ''
    tsc_hz: int = 1_000_000_000
    anchor_tsc: int = 0
    anchor_unix_ns: int = 0
    role: int = ROLE_NF
    flags: int = 0
    version: int = VERSION

    def to_ns(self, tsc):
        """Convert TSC ticks to wall-clock nanoseconds (int64 numpy array).

        ``unix_ns = anchor_unix_ns + (tsc - anchor_tsc) * 1e9 / tsc_hz``.
        """
        import numpy as np
        delta = np.asarray(tsc, dtype=np.uint64).view(np.int64) \
            - np.int64(self.anchor_tsc)
        if 1_000_000_000 % self.tsc_hz == 0:
            # a whole number of ns per tick: exact in integers (the same
            # values as the general formula, without its float round trip)
            return delta * np.int64(1_000_000_000 // self.tsc_hz) \
                + np.int64(self.anchor_unix_ns)
        whole, rest = np.divmod(delta, np.int64(self.tsc_hz))
        frac = np.rint(rest.astype(np.float64) * (1e9 / self.tsc_hz))
        return (whole * np.int64(1_000_000_000) + frac.astype(np.int64)
                + np.int64(self.anchor_unix_ns))

    def pack(self):
        names = b''
        for label, text in (('nf_name', self.nf_name), ('host', self.host)):
            raw = text.encode('utf-8')
            if len(raw) > MAX_NAME:
                raise ValueError('%s longer than %d bytes: %r'
                                 % (label, MAX_NAME, text))
            names += struct.pack('<H', len(raw)) + raw
        if self.tsc_hz <= 0:
            raise ValueError('tsc_hz must be positive, got %r' % self.tsc_hz)
        size = HEADER_FIXED.size + len(names) + 4
        fixed = HEADER_FIXED.pack(MAGIC, self.version, size, self.role, 0, 0,
                                  self.tsc_hz, self.anchor_tsc,
                                  self.anchor_unix_ns, self.flags, 0)
        body = fixed + names
        return body + struct.pack('<I', zlib.crc32(body))


def unpack_header(buf, path):
    """Parse a file header from the first bytes of ``buf``.

    Returns ``(FileHeader, header_size)``.
    """
    if len(buf) < HEADER_FIXED.size:
        raise RecordFormatError(path, len(buf), 'file shorter than the header '
                                '(%d of %d bytes)' % (len(buf), HEADER_FIXED.size))
    (magic, version, size, role, _r0, _r1, tsc_hz, anchor_tsc, anchor_ns,
     flags, _r2) = HEADER_FIXED.unpack_from(buf, 0)
    if magic != MAGIC:
        raise RecordFormatError(path, 0, 'bad magic %r (not a Microscope '
                                'record file)' % magic)
    if version != VERSION:
        raise RecordFormatError(path, 8, 'unsupported format version %d '
                                '(this reader knows %d)' % (version, VERSION))
    if size < HEADER_FIXED.size + 8 or size > len(buf):
        raise RecordFormatError(path, 10, 'header size %d does not fit the '
                                'file (%d bytes)' % (size, len(buf)))
    (crc,) = struct.unpack_from('<I', buf, size - 4)
    if zlib.crc32(buf[:size - 4]) != crc:
        raise RecordFormatError(path, size - 4, 'header checksum mismatch')
    pos = HEADER_FIXED.size
    names = []
    for label in ('nf_name', 'host'):
        (n,) = struct.unpack_from('<H', buf, pos)
        pos += 2
        if pos + n > size - 4:
            raise RecordFormatError(path, pos - 2, '%s length %d overruns '
                                    'the header' % (label, n))
        names.append(bytes(buf[pos:pos + n]).decode('utf-8', 'replace'))
        pos += n
    if role not in (ROLE_NF, ROLE_SOURCE):
        raise RecordFormatError(path, 12, 'unknown role %d' % role)
    if tsc_hz == 0:
        raise RecordFormatError(path, 16, 'tsc_hz is zero')
    return FileHeader(nf_name=names[0], host=names[1], tsc_hz=tsc_hz,
                      anchor_tsc=anchor_tsc, anchor_unix_ns=anchor_ns,
                      role=role, flags=flags, version=version), size


class BlockHead(typing.NamedTuple):
    """A block header's fields (docs/record-format.md, "Block")."""
    payload_size: int
    raw_size: int
    n_bursts: int
    n_packets: int
    n_tuples: int
    first_tsc: int
    last_tsc: int
    dropped_packets: int
    dropped_bursts: int
    codec: int
    crc32: int


def check_block(buf, offset, path):
    """Check the framing of the block at ``buf[offset:]``: a whole header
    with the block magic, plausible sizes, a known codec, the whole
    stored payload, and the CRC-32 over header and payload.

    Returns its :class:`BlockHead`; raises :class:`RecordFormatError`
    naming ``path`` and the block's offset.  The payload itself is not
    decoded.
    """
    left = len(buf) - offset
    if left < BLOCK_HEAD:
        raise RecordFormatError(path, offset, 'truncated block header '
                                '(%d of %d bytes)' % (left, BLOCK_HEAD))
    magic, *fields = BLOCK_HEADER.unpack_from(buf, offset)
    (crc,) = BLOCK_CRC.unpack_from(buf, offset + BLOCK_HEADER.size)
    head = BlockHead(*fields, crc)
    if magic != BLOCK_MAGIC:
        raise RecordFormatError(path, offset, 'bad block magic %r' % magic)
    if max(head.payload_size, head.raw_size) > MAX_BLOCK_PAYLOAD:
        raise RecordFormatError(path, offset, 'implausible block size %d'
                                % max(head.payload_size, head.raw_size))
    if head.codec not in (CODEC_RAW, CODEC_ZLIB):
        raise RecordFormatError(path, offset, 'unknown codec %d' % head.codec)
    if head.payload_size > left - BLOCK_HEAD:
        raise RecordFormatError(path, offset, 'truncated block: payload '
                                'needs %d bytes, %d left'
                                % (head.payload_size, left - BLOCK_HEAD))
    start = offset + BLOCK_HEAD
    with memoryview(buf) as view:   # released before any error: buf may be an mmap
        got = zlib.crc32(view[start:start + head.payload_size],
                         zlib.crc32(view[offset:offset + BLOCK_HEADER.size]))
    if got != crc:
        raise RecordFormatError(path, offset, 'block checksum mismatch')
    return head
