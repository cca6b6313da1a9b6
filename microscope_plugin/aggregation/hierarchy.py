"""Field hierarchies for AutoFocus-style aggregation (§4.4).

Every field value lives in an integer domain ``[0, size)`` and every node
of a hierarchy is an interval ``[lo, hi]`` of that domain; the nodes of
one hierarchy form a laminar family (two nodes are nested or disjoint), so
"``a`` is an ancestor of ``b``" is interval containment.  Levels count
from the root (level 0, the whole domain, shown ``*``) to the leaves.

* :class:`PrefixHierarchy` — IPv4 prefixes; by default every length
  /0../32 as in AutoFocus, or a subset such as the byte steps.
* :class:`PortHierarchy` — ``*`` -> {0-1023, 1024-65535} -> leaf, where a
  leaf is a single port (the static AutoFocus ranges) or, with adaptive
  ranges, a data-derived range that replaces its member ports
  (:func:`adaptive_port_ranges`).
* :class:`ProtoHierarchy` — ``*`` -> protocol number.
* :class:`NFHierarchy` — ``*`` -> NF type -> NF instance; traffic sources
  are NFs of type ``source``.  Instances are renumbered so that each type
  is a contiguous interval.

All methods are vectorised over numpy arrays (int64 domain values).
When two levels give the same interval (an NF type with one instance),
they are the same node and the deeper level names it.
"""
import ipaddress

import numpy as np

PROTO_NAMES = {1: 'icmp', 6: 'tcp', 17: 'udp'}
PROTO_NUMBERS = {v: k for k, v in PROTO_NAMES.items()}


def bit_length(x):
    """Vectorised ``int.bit_length`` for 0 <= x < 2**53."""
    x = np.asarray(x, dtype=np.int64)
    _, e = np.frexp(x.astype(np.float64))
    return np.where(x > 0, e, 0).astype(np.int64)


class Hierarchy:
    """Interface; see the module docstring."""

    name = ''
    size = 0          # domain size
    levels = 0        # number of levels, root = 0

    def node_at(self, lo, level):
        """Ancestor at ``level`` of the nodes (or values) starting at ``lo``
        (whose own level is >= ``level``): arrays ``(lo, hi)``."""
        raise NotImplementedError

    def level_of(self, lo, hi):
        """Level of the nodes ``[lo, hi]`` (deepest level giving them)."""
        raise NotImplementedError

    def smallest_containing(self, lo, hi):
        """The smallest node containing every value of ``[lo, hi]``."""
        lo = np.asarray(lo, dtype=np.int64)
        hi = np.asarray(hi, dtype=np.int64)
        out_lo = np.zeros_like(lo)
        out_hi = np.full_like(hi, self.size - 1)
        todo = np.ones(lo.shape, dtype=bool)
        for level in range(self.levels - 1, 0, -1):
            if not todo.any():
                break
            nlo, nhi = self.node_at(lo[todo], level)
            ok = nhi >= hi[todo]
            idx = np.flatnonzero(todo)[ok]
            out_lo[idx] = nlo[ok]
            out_hi[idx] = nhi[ok]
            todo[idx] = False
        return out_lo, out_hi

    @property
    def key_bits(self):
        """Bits of :meth:`key` values (at most 38)."""
        return 2 * max(int(self.size - 1).bit_length(), 1)

    def key(self, lo, hi):
        """int64 keys that sort nodes in pre-order (``lo`` ascending, then
        larger intervals first) and identify them uniquely."""
        lo = np.asarray(lo, dtype=np.int64)
        span = np.asarray(hi, dtype=np.int64) - lo
        return lo * self.size + (self.size - 1 - span)

    def unkey(self, key):
        key = np.asarray(key, dtype=np.int64)
        lo = key // self.size
        span = self.size - 1 - key % self.size
        return lo, lo + span

    def label(self, lo, hi):
        raise NotImplementedError

    def describe(self):
        return self.name


class PrefixHierarchy(Hierarchy):
    """IPv4 prefixes of the given lengths (must include 0 and 32)."""

    size = 1 << 32

    def __init__(self, lengths=tuple(range(33)), name='ip'):
        lengths = tuple(sorted(set(int(x) for x in lengths)))
        if not lengths or lengths[0] != 0 or lengths[-1] != 32:
            raise ValueError('prefix_lengths: must include 0 and 32, got %r'
                             % (lengths,))
        if any(not 0 <= x <= 32 for x in lengths):
            raise ValueError('prefix_lengths: lengths must be within 0..32')
        self.name = name
        self.lengths = np.array(lengths, dtype=np.int64)
        self.levels = len(lengths)
        # length -> level of the longest allowed length <= it
        self._floor = np.searchsorted(self.lengths, np.arange(33), side='right') - 1
        self._exact = np.full(33, -1, dtype=np.int64)
        self._exact[self.lengths] = np.arange(self.levels)

    def _mask(self, length):
        length = np.asarray(length, dtype=np.int64)
        return ((1 << 32) - 1) ^ ((np.int64(1) << (32 - length)) - 1)

    def node_at(self, lo, level):
        lo = np.asarray(lo, dtype=np.int64)
        length = self.lengths[level]
        nlo = lo & self._mask(length)
        return nlo, nlo + (np.int64(1) << (32 - length)) - 1

    def level_of(self, lo, hi):
        span = np.asarray(hi, dtype=np.int64) - np.asarray(lo, dtype=np.int64) + 1
        length = 32 - (bit_length(span) - 1)
        lev = self._exact[length]
        if np.any(lev < 0):
            raise ValueError('%s: a node is not a prefix of an allowed length'
                             % self.name)
        return lev

    def smallest_containing(self, lo, hi):
        lo = np.asarray(lo, dtype=np.int64)
        hi = np.asarray(hi, dtype=np.int64)
        common = 32 - bit_length(lo ^ hi)
        return self.node_at(lo, self._floor[common])

    key_bits = 38

    def key(self, lo, hi):
        lo = np.asarray(lo, dtype=np.int64)
        span = np.asarray(hi, dtype=np.int64) - lo + 1
        return (lo << 6) | (32 - (bit_length(span) - 1))

    def unkey(self, key):
        key = np.asarray(key, dtype=np.int64)
        lo = key >> 6
        return lo, lo + (np.int64(1) << (32 - (key & 63))) - 1

    def label(self, lo, hi):
        length = 32 - (int(hi - lo + 1).bit_length() - 1)
        if length == 0:
            return '*'
        return '%s/%d' % (ipaddress.IPv4Address(int(lo)), length)

    def describe(self):
        if self.levels == 33:
            return 'all prefix lengths /0../32'
        return 'prefix lengths ' + ','.join('/%d' % x for x in self.lengths)


class PortHierarchy(Hierarchy):
    """``*`` -> {0-1023, 1024-65535} -> leaf.

    Leaves are single ports, except inside the given ranges (sorted,
    disjoint, each within one static range and strictly smaller than it),
    where the range itself is the leaf and replaces its member ports.
    """

    size = 1 << 16
    levels = 3

    def __init__(self, ranges=None, name='port'):
        self.name = name
        if ranges is None or len(ranges) == 0:
            self.starts = np.zeros(0, dtype=np.int64)
            self.ends = np.zeros(0, dtype=np.int64)
        else:
            r = np.asarray(ranges, dtype=np.int64).reshape(-1, 2)
            r = r[np.argsort(r[:, 0])]
            if np.any(r[:, 0] > r[:, 1]) or np.any(r[1:, 0] <= r[:-1, 1]):
                raise ValueError('%s: port ranges must be ordered and disjoint'
                                 % name)
            if np.any((r[:, 0] < 1024) & (r[:, 1] >= 1024)) \
                    or np.any(r[:, 0] < 0) or np.any(r[:, 1] > 65535):
                raise ValueError('%s: a port range crosses 1023/1024 or leaves '
                                 '0-65535' % name)
            if np.any((r[:, 0] == 0) & (r[:, 1] == 1023)) \
                    or np.any((r[:, 0] == 1024) & (r[:, 1] == 65535)):
                raise ValueError('%s: a port range equals a static range' % name)
            self.starts, self.ends = r[:, 0].copy(), r[:, 1].copy()

    @property
    def adaptive(self):
        return len(self.starts) > 0

    def node_at(self, lo, level):
        lo = np.asarray(lo, dtype=np.int64)
        level = np.broadcast_to(np.asarray(level, dtype=np.int64), lo.shape)
        nlo = np.zeros_like(lo)
        nhi = np.full_like(lo, 65535)
        st = level == 1
        nlo[st] = np.where(lo[st] < 1024, 0, 1024)
        nhi[st] = np.where(lo[st] < 1024, 1023, 65535)
        lf = level >= 2
        if lf.any():
            p = lo[lf]
            llo, lhi = p.copy(), p.copy()
            if self.adaptive:
                i = np.searchsorted(self.starts, p, side='right') - 1
                inr = (i >= 0) & (p <= self.ends[np.maximum(i, 0)])
                llo[inr] = self.starts[i[inr]]
                lhi[inr] = self.ends[i[inr]]
            nlo[lf], nhi[lf] = llo, lhi
        return nlo, nhi

    def level_of(self, lo, hi):
        lo = np.asarray(lo, dtype=np.int64)
        hi = np.asarray(hi, dtype=np.int64)
        lev = np.full(lo.shape, 2, dtype=np.int64)
        lev[((lo == 0) & (hi == 1023)) | ((lo == 1024) & (hi == 65535))] = 1
        lev[(lo == 0) & (hi == 65535)] = 0
        return lev

    def label(self, lo, hi):
        lo, hi = int(lo), int(hi)
        if lo == 0 and hi == 65535:
            return '*'
        if lo == hi:
            return str(lo)
        return '%d-%d' % (lo, hi)

    def describe(self):
        if not self.adaptive:
            return 'static ranges (*, 0-1023, 1024-65535, port)'
        return 'adaptive ranges %s' % ', '.join(
            '%d-%d' % (a, b) for a, b in zip(self.starts, self.ends))


class ProtoHierarchy(Hierarchy):
    """``*`` -> protocol number."""

    size = 256
    levels = 2

    def __init__(self, name='proto'):
        self.name = name

    def node_at(self, lo, level):
        lo = np.asarray(lo, dtype=np.int64)
        leaf = np.broadcast_to(np.asarray(level) >= 1, lo.shape)
        return np.where(leaf, lo, 0), np.where(leaf, lo, 255)

    def level_of(self, lo, hi):
        return np.where(np.asarray(lo) == np.asarray(hi), 1, 0).astype(np.int64)

    def label(self, lo, hi):
        if lo != hi:
            return '*'
        return PROTO_NAMES.get(int(lo), str(int(lo)))


class NFHierarchy(Hierarchy):
    """``*`` -> NF type -> NF instance over an :class:`NFCatalog`.

    Domain values are ranks: NF ids sorted by (type order, id), so each
    type is an interval.  Use :meth:`to_domain` / :attr:`rank_to_id`.
    """

    levels = 3

    def __init__(self, catalog, name='nf'):
        self.name = name
        self.catalog = catalog
        n = len(catalog)
        if n == 0:
            raise ValueError('NFCatalog: empty catalog')
        self.size = n
        types = catalog.type_names
        tindex = {t: i for i, t in enumerate(types)}
        tid = np.array([tindex[t] for t in catalog.types], dtype=np.int64)
        self.rank_to_id = np.lexsort((np.arange(n), tid)).astype(np.int64)
        self.id_to_rank = np.empty(n, dtype=np.int64)
        self.id_to_rank[self.rank_to_id] = np.arange(n)
        self.rank_type = tid[self.rank_to_id]
        self.type_names = types
        counts = np.bincount(self.rank_type, minlength=len(types))
        self.type_lo = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
        self.type_hi = self.type_lo + counts - 1

    def to_domain(self, nf_ids):
        return self.id_to_rank[np.asarray(nf_ids, dtype=np.int64)]

    def node_at(self, lo, level):
        lo = np.asarray(lo, dtype=np.int64)
        level = np.broadcast_to(np.asarray(level, dtype=np.int64), lo.shape)
        t = self.rank_type[lo]
        nlo = np.where(level >= 2, lo, np.where(level == 1, self.type_lo[t], 0))
        nhi = np.where(level >= 2, lo, np.where(level == 1, self.type_hi[t],
                                                self.size - 1))
        return nlo, nhi

    def level_of(self, lo, hi):
        lo = np.asarray(lo, dtype=np.int64)
        hi = np.asarray(hi, dtype=np.int64)
        t = self.rank_type[lo]
        lev = np.zeros(lo.shape, dtype=np.int64)
        lev[(lo == self.type_lo[t]) & (hi == self.type_hi[t])] = 1
        lev[lo == hi] = 2
        return lev

    def label(self, lo, hi):
        lo, hi = int(lo), int(hi)
        if lo == hi:
            return self.catalog.names[int(self.rank_to_id[lo])]
        t = int(self.rank_type[lo])
        if lo == self.type_lo[t] and hi == self.type_hi[t]:
            return self.type_names[t]
        return '*'

    def level_name(self, lo, hi):
        lev = int(self.level_of(np.array([lo]), np.array([hi]))[0])
        return ('any', 'type', 'instance')[lev]


def adaptive_port_ranges(ports, weight, total, seed_share, gap, min_ports):
    """Adaptive port ranges of one port field (documented in
    docs/aggregation.md).

    A port value is a *seed* when the weight of the rows carrying it is at
    least ``seed_share * total``.  Seeds are cut into maximal runs in which
    consecutive seeds are at most ``gap`` apart and that do not cross
    1023/1024; every run of at least ``min_ports`` seeds becomes the range
    ``[first seed, last seed]`` (unless it would equal a static range).
    Returns an ``(n, 2)`` int64 array of ranges.
    """
    ports = np.asarray(ports, dtype=np.int64)
    weight = np.asarray(weight, dtype=np.float64)
    if ports.size == 0 or not seed_share > 0 or not total > 0:
        return np.zeros((0, 2), dtype=np.int64)
    w = np.bincount(ports, weights=weight, minlength=65536)
    seeds = np.flatnonzero(w >= seed_share * total * (1 - 1e-9))
    seeds = seeds[w[seeds] > 0]
    if seeds.size < max(min_ports, 2):
        return np.zeros((0, 2), dtype=np.int64)
    cut = np.ones(seeds.size, dtype=bool)
    cut[1:] = (np.diff(seeds) > gap) | ((seeds[1:] >= 1024) & (seeds[:-1] < 1024))
    first = np.flatnonzero(cut)
    last = np.append(first[1:], seeds.size) - 1
    n = last - first + 1
    keep = n >= max(min_ports, 2)
    r = np.stack([seeds[first[keep]], seeds[last[keep]]], axis=1).astype(np.int64)
    static = (((r[:, 0] == 0) & (r[:, 1] == 1023))
              | ((r[:, 0] == 1024) & (r[:, 1] == 65535)))
    return r[~static]
