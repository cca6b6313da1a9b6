"""Flow matches used by routing rules and NF bugs (vectorised over flows)."""
import dataclasses
import ipaddress

import numpy as np

PROTOCOLS = {'icmp': 1, 'tcp': 6, 'udp': 17}


def ip_to_int(text):
    return int(ipaddress.IPv4Address(text))


def int_to_ip(value):
    return str(ipaddress.IPv4Address(int(value)))


def _error(field, message):
    from microscope_plugin.emulator.scenario import ScenarioError
    return ScenarioError(field, message)


def _ranges(value, field, hi):
    items = value if isinstance(value, list) else [value]
    out = []
    for k, item in enumerate(items):
        f = '%s[%d]' % (field, k) if isinstance(value, list) else field
        if isinstance(item, bool):
            raise _error(f, 'expected a port or "lo-hi", got %r' % (item,))
        if isinstance(item, int):
            lo = hi_ = item
        elif isinstance(item, str) and '-' in item:
            try:
                lo, hi_ = (int(x) for x in item.split('-', 1))
            except ValueError:
                raise _error(f, 'expected "lo-hi", got %r' % item)
        else:
            try:
                lo = hi_ = int(item)
            except (TypeError, ValueError):
                raise _error(f, 'expected a port or "lo-hi", got %r' % (item,))
        if not 0 <= lo <= hi_ <= hi:
            raise _error(f, 'range %d-%d outside 0-%d or reversed'
                         % (lo, hi_, hi))
        out.append((lo, hi_))
    return tuple(out)


def _prefix(value, field):
    try:
        net = ipaddress.IPv4Network(str(value), strict=False)
    except ValueError as e:
        raise _error(field, 'not an IPv4 prefix: %s' % e)
    return int(net.network_address), net.prefixlen


@dataclasses.dataclass(frozen=True)
class FlowMatch:
    """A conjunction over 5-tuple fields; an absent field matches anything."""

    src: tuple = None        # (network int, prefix length)
    dst: tuple = None
    sport: tuple = None      # ((lo, hi), ...)
    dport: tuple = None
    proto: tuple = None      # (number, ...)

    @classmethod
    def parse(cls, raw, field):
        if not isinstance(raw, dict):
            raise _error(field, 'expected a mapping of 5-tuple fields')
        extra = set(raw) - {'src', 'dst', 'sport', 'dport', 'proto'}
        if extra:
            raise _error(field, 'unknown field(s): %s' % ', '.join(sorted(extra)))
        kw = {}
        for k in ('src', 'dst'):
            if k in raw:
                kw[k] = _prefix(raw[k], '%s.%s' % (field, k))
        for k in ('sport', 'dport'):
            if k in raw:
                kw[k] = _ranges(raw[k], '%s.%s' % (field, k), 65535)
        if 'proto' in raw:
            items = raw['proto'] if isinstance(raw['proto'], list) else [raw['proto']]
            protos = []
            for item in items:
                if isinstance(item, str) and item.lower() in PROTOCOLS:
                    protos.append(PROTOCOLS[item.lower()])
                elif isinstance(item, int) and 0 <= item <= 255:
                    protos.append(item)
                else:
                    raise _error(field + '.proto', 'expected tcp, udp, icmp or '
                                 '0-255, got %r' % (item,))
            kw['proto'] = tuple(protos)
        return cls(**kw)

    def mask(self, src, dst, sport, dport, proto):
        m = np.ones(len(src), dtype=bool)
        for net, col in ((self.src, src), (self.dst, dst)):
            if net is not None:
                shift = np.uint32(32 - net[1]) if net[1] < 32 else None
                if shift is None:
                    m &= col.astype(np.uint32) == np.uint32(net[0])
                elif net[1] > 0:
                    m &= (col.astype(np.uint32) >> shift) == \
                        np.uint32(net[0]) >> shift
        for ranges, col in ((self.sport, sport), (self.dport, dport)):
            if ranges is not None:
                mm = np.zeros(len(col), dtype=bool)
                for lo, hi in ranges:
                    mm |= (col >= lo) & (col <= hi)
                m &= mm
        if self.proto is not None:
            m &= np.isin(proto, self.proto)
        return m

    def sample(self, rng, n):
        """Draw ``n`` 5-tuples inside the match (for trigger flows)."""
        def addr(net):
            if net is None:
                return rng.integers(1 << 24, 224 << 24, n, dtype=np.int64)
            size = 1 << (32 - net[1])
            return net[0] + rng.integers(0, size, n, dtype=np.int64)

        def port(ranges, lo=1024, hi=65535):
            ranges = ranges or ((lo, hi),)
            pick = rng.integers(0, len(ranges), n)
            los = np.array([r[0] for r in ranges])[pick]
            his = np.array([r[1] for r in ranges])[pick]
            return los + (rng.random(n) * (his - los + 1)).astype(np.int64)

        proto = np.array(self.proto or (6,))[rng.integers(0, len(self.proto or (6,)), n)]
        return (addr(self.src).astype(np.uint32), addr(self.dst).astype(np.uint32),
                port(self.sport).astype(np.uint16), port(self.dport, 1, 65535).astype(np.uint16),
                proto.astype(np.uint8))
