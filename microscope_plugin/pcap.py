"""Minimal classic-pcap reading and writing (Ethernet, optional 802.1Q tag).

Used to replay a user's capture in the emulator and to build the packets
fed to DPDK NFs in the collector tests.  Only the fields Microscope
records are parsed: IPv4 IPID and the 5-tuple.
"""
import dataclasses
import struct

import numpy as np

PCAP_MAGIC_US = 0xA1B2C3D4
PCAP_MAGIC_NS = 0xA1B23C4D
LINKTYPE_ETHERNET = 1
ETH_IPV4 = 0x0800
ETH_VLAN = 0x8100
ETH_IPV6 = 0x86DD
ETH_ARP = 0x0806


class PcapError(ValueError):
    pass


@dataclasses.dataclass
class Capture:
    t_ns: np.ndarray
    ipv4: np.ndarray
    vlan: np.ndarray
    ipid: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    sport: np.ndarray
    dport: np.ndarray
    proto: np.ndarray

    def __len__(self):
        return len(self.t_ns)


def read_pcap(path):
    with open(path, 'rb') as fh:
        data = fh.read()
    if len(data) < 24:
        raise PcapError('%s: not a pcap file (%d bytes)' % (path, len(data)))
    magic = struct.unpack_from('<I', data)[0]
    if magic in (PCAP_MAGIC_US, PCAP_MAGIC_NS):
        endian = '<'
    elif struct.unpack_from('>I', data)[0] in (PCAP_MAGIC_US, PCAP_MAGIC_NS):
        endian = '>'
        magic = struct.unpack_from('>I', data)[0]
    else:
        raise PcapError('%s: bad pcap magic 0x%08x (pcapng is not supported)'
                        % (path, magic))
    scale = 1 if magic == PCAP_MAGIC_NS else 1000
    linktype = struct.unpack_from(endian + 'I', data, 20)[0]
    if linktype != LINKTYPE_ETHERNET:
        raise PcapError('%s: link type %d, only Ethernet (1) is supported'
                        % (path, linktype))
    rec = struct.Struct(endian + 'IIII')
    offs, times = [], []
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, incl, _orig = rec.unpack_from(data, pos)
        if pos + 16 + incl > len(data):
            raise PcapError('%s: record at offset %d truncated' % (path, pos))
        offs.append(pos + 16)
        times.append(sec * 1_000_000_000 + frac * scale)
        pos += 16 + incl
    buf = np.frombuffer(data, dtype=np.uint8)
    offs = np.array(offs, dtype=np.int64)
    n = len(offs)
    pad = np.concatenate([buf, np.zeros(64, dtype=np.uint8)])

    def u16(o):
        return (pad[o].astype(np.uint32) << 8) | pad[o + 1]

    def u32(o):
        return (u16(o) << 16) | u16(o + 2)

    etype = u16(offs + 12)
    vlan = etype == ETH_VLAN
    l3 = offs + 14 + np.where(vlan, 4, 0)
    etype = np.where(vlan, u16(offs + 16), etype)
    ipv4 = (etype == ETH_IPV4) & ((pad[l3] >> 4) == 4)
    ihl = (pad[l3] & 0x0F).astype(np.int64) * 4
    proto = np.where(ipv4, pad[l3 + 9], 0).astype(np.uint8)
    l4 = l3 + ihl
    has_ports = ipv4 & np.isin(proto, (6, 17))
    return Capture(
        t_ns=np.array(times, dtype=np.int64), ipv4=ipv4, vlan=vlan,
        ipid=np.where(ipv4, u16(l3 + 4), 0).astype(np.uint16),
        src=np.where(ipv4, u32(l3 + 12), 0).astype(np.uint32),
        dst=np.where(ipv4, u32(l3 + 16), 0).astype(np.uint32),
        sport=np.where(has_ports, u16(l4), 0).astype(np.uint16),
        dport=np.where(has_ports, u16(l4 + 2), 0).astype(np.uint16),
        proto=proto) if n else Capture(*(np.zeros(0, dtype=t) for t in (
            np.int64, bool, bool, np.uint16, np.uint32, np.uint32, np.uint16,
            np.uint16, np.uint8)))


def _checksum(header):
    s = sum(struct.unpack('!%dH' % (len(header) // 2), header))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def build_frame(src=0, dst=0, sport=0, dport=0, proto=17, ipid=0, vlan=None,
                kind='ipv4', size=64):
    """One Ethernet frame: IPv4 TCP/UDP (``kind='ipv4'``), or an ARP or
    IPv6 frame (``kind='arp'``/``'ipv6'``) that carries no IPv4 header."""
    eth = b'\x02\x00\x00\x00\x00\x02' + b'\x02\x00\x00\x00\x00\x01'
    if vlan is not None:
        eth += struct.pack('!HH', ETH_VLAN, vlan & 0x0FFF)
    if kind == 'arp':
        frame = eth + struct.pack('!H', ETH_ARP) + bytes(28)
    elif kind == 'ipv6':
        frame = eth + struct.pack('!H', ETH_IPV6) + bytes([0x60]) + bytes(39)
    else:
        if proto == 6:
            l4 = struct.pack('!HHIIBBHHH', sport, dport, 0, 0, 0x50, 0x02,
                             8192, 0, 0)
        else:
            l4 = struct.pack('!HHHH', sport, dport, 8, 0)
        total = 20 + len(l4)
        ip = struct.pack('!BBHHHBBHII', 0x45, 0, total, ipid, 0, 64, proto, 0,
                         src, dst)
        ip = ip[:10] + struct.pack('!H', _checksum(ip)) + ip[12:]
        frame = eth + struct.pack('!H', ETH_IPV4) + ip + l4
    return frame + bytes(max(0, size - 4 - len(frame)))


def write_pcap(path, frames, t_ns=None):
    """Write Ethernet ``frames`` (bytes) with nanosecond timestamps."""
    with open(path, 'wb') as fh:
        fh.write(struct.pack('<IHHiIII', PCAP_MAGIC_NS, 2, 4, 0, 0, 65535,
                             LINKTYPE_ETHERNET))
        for i, frame in enumerate(frames):
            t = int(t_ns[i]) if t_ns is not None else i * 1000
            fh.write(struct.pack('<IIII', t // 1_000_000_000,
                                 t % 1_000_000_000, len(frame), len(frame)))
            fh.write(frame)
