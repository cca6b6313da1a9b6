"""Input of pattern aggregation (§4.4): expanded causal relations.

The diagnosis engine turns each packet-level causal relation

    <culprit packets, culprit NF> -> <victim packet, victim NF> : score

into one row per distinct flow of its culprit packets, the score split in
proportion to that flow's packets.  Rows of one relation, and of all
relations that share the same culprit packet set and culprit NF, carry the
same ``group`` id: that is the unit of the first step of §4.4 (group by
culprit packets and culprit NF, aggregate the victim side).

A struct of numpy columns, one row per (relation, culprit flow); never a
Python object per relation.
"""
import dataclasses

import numpy as np

#: Column name -> dtype, in the order of the contract.
DTYPES = {
    'group': np.dtype(np.int64),
    'c_src': np.dtype(np.uint32), 'c_dst': np.dtype(np.uint32),
    'c_sport': np.dtype(np.uint16), 'c_dport': np.dtype(np.uint16),
    'c_proto': np.dtype(np.uint8), 'c_nf': np.dtype(np.int32),
    'v_src': np.dtype(np.uint32), 'v_dst': np.dtype(np.uint32),
    'v_sport': np.dtype(np.uint16), 'v_dport': np.dtype(np.uint16),
    'v_proto': np.dtype(np.uint8), 'v_nf': np.dtype(np.int32),
    'weight': np.dtype(np.float64),
    'c_t_ns': np.dtype(np.int64), 'v_t_ns': np.dtype(np.int64),
}
COLUMNS = tuple(DTYPES)
#: The twelve aggregated fields: culprit 5-tuple + NF, victim 5-tuple + NF.
FIELDS = ('c_src', 'c_dst', 'c_sport', 'c_dport', 'c_proto', 'c_nf',
          'v_src', 'v_dst', 'v_sport', 'v_dport', 'v_proto', 'v_nf')

SOURCE_TYPE = 'source'


@dataclasses.dataclass(frozen=True)
class NFCatalog:
    """NF instances and traffic sources, indexed by the ``c_nf``/``v_nf``
    ids of :class:`RelationRecords`.  ``types[i]`` is the NF type of
    ``names[i]``; traffic sources have type ``"source"`` (§4.4 counts them
    as NFs).  Hierarchy used for aggregation: instance -> type -> ``*``."""

    names: tuple
    types: tuple

    def __post_init__(self):
        object.__setattr__(self, 'names', tuple(str(n) for n in self.names))
        object.__setattr__(self, 'types', tuple(str(t) for t in self.types))
        if len(self.names) != len(self.types):
            raise ValueError('NFCatalog.types: %d types for %d names'
                             % (len(self.types), len(self.names)))
        seen = set()
        for i, n in enumerate(self.names):
            if not n:
                raise ValueError('NFCatalog.names[%d]: empty name' % i)
            if n in seen:
                raise ValueError('NFCatalog.names[%d]: duplicate NF %r' % (i, n))
            seen.add(n)
        for i, t in enumerate(self.types):
            if not t:
                raise ValueError('NFCatalog.types[%d]: empty type' % i)

    def __len__(self):
        return len(self.names)

    def index(self, name):
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError('unknown NF %r' % (name,)) from None

    @property
    def type_names(self):
        """Distinct types, sources first, then in order of first use."""
        out = []
        if SOURCE_TYPE in self.types:
            out.append(SOURCE_TYPE)
        for t in self.types:
            if t not in out:
                out.append(t)
        return out

    @classmethod
    def from_topology(cls, topology):
        """From :class:`microscope_plugin.topology.Topology` (sources have
        ``role='source'``); the NF id is the node's position in it."""
        return cls(names=tuple(n.name for n in topology.nfs),
                   types=tuple(SOURCE_TYPE if n.role == 'source' else n.type
                               for n in topology.nfs))

    def to_dict(self):
        return {'names': list(self.names), 'types': list(self.types)}

    @classmethod
    def from_dict(cls, data):
        if not isinstance(data, dict) or 'names' not in data or 'types' not in data:
            raise ValueError('NFCatalog: expected a mapping with "names" and "types"')
        return cls(names=tuple(data['names']), types=tuple(data['types']))


@dataclasses.dataclass
class RelationRecords:
    """Expanded causal relations; all columns have equal length.

    ``group``: rows with equal value share the same <culprit packet set,
    culprit NF>.  ``c_*``: culprit flow and culprit NF (for a local NF
    culprit, the flows it processed during the queuing period).  ``v_*``:
    the victim packet's flow and the victim NF.  ``weight``: the score
    share (>= 0).  ``c_t_ns``: start of the culprit packets' interval;
    ``v_t_ns``: time of the victim (Fig. 15 time gaps).
    """

    group: np.ndarray
    c_src: np.ndarray
    c_dst: np.ndarray
    c_sport: np.ndarray
    c_dport: np.ndarray
    c_proto: np.ndarray
    c_nf: np.ndarray
    v_src: np.ndarray
    v_dst: np.ndarray
    v_sport: np.ndarray
    v_dport: np.ndarray
    v_proto: np.ndarray
    v_nf: np.ndarray
    weight: np.ndarray
    c_t_ns: np.ndarray
    v_t_ns: np.ndarray

    def __len__(self):
        return len(self.group)

    @classmethod
    def empty(cls):
        return cls(**{k: np.zeros(0, dtype=t) for k, t in DTYPES.items()})

    @classmethod
    def build(cls, **columns):
        """Columns from array-likes, cast to the contract's dtypes.

        Integer columns must hold values that fit their dtype; the weight
        must be numeric.  Missing time columns default to 0.  Raises
        ValueError naming the column.
        """
        unknown = set(columns) - set(DTYPES)
        if unknown:
            raise ValueError('RelationRecords: unknown column(s) %s'
                             % ', '.join(sorted(unknown)))
        n = None
        for k in COLUMNS:
            if k in columns:
                n = len(np.atleast_1d(columns[k]))
                break
        n = 0 if n is None else n
        out = {}
        for k, t in DTYPES.items():
            if k not in columns:
                if k in ('c_t_ns', 'v_t_ns'):
                    out[k] = np.zeros(n, dtype=t)
                    continue
                raise ValueError('RelationRecords.%s: missing column' % k)
            a = np.asarray(columns[k])
            if a.ndim != 1:
                a = np.atleast_1d(a)
                if a.ndim != 1:
                    raise ValueError('RelationRecords.%s: expected a 1-D column, '
                                     'got shape %s' % (k, a.shape))
            if t.kind in 'iu':
                if a.size and a.dtype.kind not in 'iub':
                    if a.dtype.kind == 'f' and np.all(np.isfinite(a)) \
                            and np.all(a == np.round(a)):
                        a = a.astype(np.int64)
                    else:
                        raise ValueError('RelationRecords.%s: expected integers, '
                                         'got %s' % (k, a.dtype))
                if a.size:
                    info = np.iinfo(t)
                    lo, hi = a.min(), a.max()
                    if lo < info.min or hi > info.max:
                        raise ValueError('RelationRecords.%s: values %d..%d do not '
                                         'fit %s' % (k, lo, hi, t))
            elif a.size and a.dtype.kind not in 'iuf':
                raise ValueError('RelationRecords.%s: expected numbers, got %s'
                                 % (k, a.dtype))
            out[k] = a.astype(t)
        rec = cls(**out)
        rec.validate()
        return rec

    @classmethod
    def concat(cls, parts):
        parts = list(parts)
        if not parts:
            return cls.empty()
        for p in parts:
            p.validate()
        return cls(**{k: np.concatenate([getattr(p, k) for p in parts])
                      for k in COLUMNS})

    def take(self, index):
        return RelationRecords(**{k: getattr(self, k)[index] for k in COLUMNS})

    def validate(self, catalog=None):
        """Check lengths, dtypes and weights (finite, >= 0); with a catalog
        also that NF ids index into it.  Raises ValueError naming the
        column; returns self."""
        n = None
        for k, t in DTYPES.items():
            a = getattr(self, k)
            if not isinstance(a, np.ndarray):
                raise ValueError('RelationRecords.%s: expected a numpy array, got %s'
                                 % (k, type(a).__name__))
            if a.ndim != 1:
                raise ValueError('RelationRecords.%s: expected a 1-D column, got '
                                 'shape %s' % (k, a.shape))
            if a.dtype != t:
                raise ValueError('RelationRecords.%s: dtype %s, expected %s'
                                 % (k, a.dtype, t))
            if n is None:
                n = len(a)
            elif len(a) != n:
                raise ValueError('RelationRecords.%s: length %d, expected %d '
                                 '(length of group)' % (k, len(a), n))
        w = self.weight
        if n:
            bad = ~np.isfinite(w)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise ValueError('RelationRecords.weight: not finite at row %d (%r)'
                                 % (i, w[i]))
            if (w < 0).any():
                i = int(np.flatnonzero(w < 0)[0])
                raise ValueError('RelationRecords.weight: negative at row %d (%r)'
                                 % (i, w[i]))
            for k in ('c_nf', 'v_nf'):
                a = getattr(self, k)
                if a.min() < 0:
                    raise ValueError('RelationRecords.%s: negative NF id %d'
                                     % (k, a.min()))
                if catalog is not None and a.max() >= len(catalog):
                    raise ValueError('RelationRecords.%s: NF id %d outside the '
                                     'catalog (%d NFs)' % (k, a.max(), len(catalog)))
        return self

    @property
    def total(self):
        return float(self.weight.sum())

    def save(self, path, catalog=None):
        """One ``.npz`` with the columns (and the catalog, if given)."""
        extra = {}
        if catalog is not None:
            extra['nf_names'] = np.array(catalog.names, dtype=object).astype(str)
            extra['nf_types'] = np.array(catalog.types, dtype=object).astype(str)
        np.savez_compressed(path, **{k: getattr(self, k) for k in COLUMNS}, **extra)

    @classmethod
    def load(cls, path):
        """``(records, catalog or None)`` from :meth:`save`'s file."""
        with np.load(path, allow_pickle=False) as z:
            missing = [k for k in COLUMNS if k not in z.files]
            if missing:
                raise ValueError('%s: not a relation file (missing column(s) %s)'
                                 % (path, ', '.join(missing)))
            rec = cls(**{k: z[k] for k in COLUMNS})
            cat = None
            if 'nf_names' in z.files and 'nf_types' in z.files:
                cat = NFCatalog(names=tuple(z['nf_names'].tolist()),
                                types=tuple(z['nf_types'].tolist()))
        try:
            rec.validate(cat)
        except ValueError as e:
            raise ValueError('%s: %s' % (path, e)) from None
        return rec, cat
