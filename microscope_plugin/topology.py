"""The NF DAG as the engine sees it: instances, their peak rates, and edges.

Shared by the emulator (which builds it from a scenario), the engine
(which needs r_i, the peak processing rate of §4.1, and upstream NFs for
§4.2) and the service catalogue.  Traffic entry points ("sources") are
nodes too, with ``role='source'``: §4.4 counts them as NFs.
"""
import dataclasses
import json

ROLE_NF = 'nf'
ROLE_SOURCE = 'source'


class TopologyError(ValueError):
    """The topology is inconsistent; the message names the field."""


@dataclasses.dataclass(frozen=True)
class NF:
    name: str
    type: str
    vendor: str = ''
    host: str = ''
    peak_rate_pps: float = None
    role: str = ROLE_NF

    def to_dict(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Topology:
    nfs: tuple
    edges: tuple = ()
    name: str = ''

    def __post_init__(self):
        names = [n.name for n in self.nfs]
        seen = set()
        for i, name in enumerate(names):
            if not name:
                raise TopologyError('nfs[%d].name: empty name' % i)
            if name in seen:
                raise TopologyError('nfs[%d].name: duplicate NF %r' % (i, name))
            seen.add(name)
        for i, nf in enumerate(self.nfs):
            if nf.role not in (ROLE_NF, ROLE_SOURCE):
                raise TopologyError('nfs[%d].role: %r is neither %r nor %r'
                                    % (i, nf.role, ROLE_NF, ROLE_SOURCE))
            if nf.peak_rate_pps is not None and not nf.peak_rate_pps > 0:
                raise TopologyError('nfs[%d].peak_rate_pps: must be positive, '
                                    'got %r' % (i, nf.peak_rate_pps))
        for i, (up, down) in enumerate(self.edges):
            for label, end in (('from', up), ('to', down)):
                if end not in seen:
                    raise TopologyError('edges[%d].%s: unknown NF %r'
                                        % (i, label, end))
            if self.nf(down).role == ROLE_SOURCE:
                raise TopologyError('edges[%d].to: %r is a traffic source and '
                                    'cannot have upstream NFs' % (i, down))
        self.topo_order()  # raises on cycles

    def nf(self, name):
        for n in self.nfs:
            if n.name == name:
                return n
        raise KeyError(name)

    @property
    def names(self):
        return [n.name for n in self.nfs]

    def index(self, name):
        return self.names.index(name)

    def upstream(self, name):
        return [u for u, d in self.edges if d == name]

    def downstream(self, name):
        return [d for u, d in self.edges if u == name]

    def sources(self):
        return [n for n in self.nfs if n.role == ROLE_SOURCE]

    def instances(self):
        return [n for n in self.nfs if n.role == ROLE_NF]

    def topo_order(self):
        """Node names with every node after all of its upstream nodes."""
        indeg = {n: 0 for n in self.names}
        for _, d in self.edges:
            indeg[d] += 1
        ready = [n for n in self.names if indeg[n] == 0]
        order = []
        while ready:
            n = ready.pop(0)
            order.append(n)
            for d in self.downstream(n):
                indeg[d] -= 1
                if indeg[d] == 0:
                    ready.append(d)
        if len(order) != len(self.names):
            stuck = sorted(n for n in self.names if indeg[n] > 0)
            raise TopologyError('edges: the NF graph has a cycle through %s'
                                % ', '.join(stuck))
        return order

    def to_dict(self):
        return {'name': self.name, 'nfs': [n.to_dict() for n in self.nfs],
                'edges': [list(e) for e in self.edges]}

    @classmethod
    def from_dict(cls, data):
        if not isinstance(data, dict) or 'nfs' not in data:
            raise TopologyError('topology: expected a mapping with "nfs"')
        nfs = []
        for i, item in enumerate(data['nfs']):
            if not isinstance(item, dict):
                raise TopologyError('nfs[%d]: expected a mapping' % i)
            unknown = set(item) - {f.name for f in dataclasses.fields(NF)}
            if unknown:
                raise TopologyError('nfs[%d]: unknown field(s) %s'
                                    % (i, ', '.join(sorted(unknown))))
            for req in ('name', 'type'):
                if req not in item:
                    raise TopologyError('nfs[%d].%s: missing' % (i, req))
            nfs.append(NF(**item))
        edges = []
        for i, e in enumerate(data.get('edges', [])):
            if not isinstance(e, (list, tuple)) or len(e) != 2:
                raise TopologyError('edges[%d]: expected [from, to]' % i)
            edges.append((str(e[0]), str(e[1])))
        return cls(nfs=tuple(nfs), edges=tuple(edges),
                   name=data.get('name', ''))

    def dumps(self):
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def load(cls, path):
        with open(path) as fh:
            return cls.from_dict(json.load(fh))
