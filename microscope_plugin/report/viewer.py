"""Who reads the report, and what each NF is called for them.

The paper opens with a blame game (§1-2): the operator sees a slow VNF, its
vendor says "the traffic" or "someone upstream".  A report gives each party
evidence.  The operator (no vendor) sees everything.  A vendor sees the
details of its own NFs only; every other vendor's NF is named by its role
relative to the vendor's NFs in the DAG and its type, e.g. ``upstream NF 2
(firewall)``, and nothing internal about it is shown: not its instance
name, its rates or queues, nor the flows of its victims or culprit
packets.  Traffic sources keep their names (they belong to the operator).
"""
from microscope_plugin.topology import ROLE_SOURCE

HIDDEN = 'hidden'


class Viewer:
    """Labels and visibility of NFs for one reader (``vendor=None``: the
    operator)."""

    def __init__(self, topology, vendor=None):
        self.topology = topology
        self.vendor = vendor
        self._labels = {}
        own = set(self.own_nfs())
        if vendor is None:
            return
        up, down = set(), set()
        for n in own:
            up |= self._reach(n, topology.upstream)
            down |= self._reach(n, topology.downstream)
        counters = {}
        for name in topology.topo_order():
            nf = topology.nf(name)
            if name in own or nf.role == ROLE_SOURCE:
                continue
            role = ('upstream' if name in up and name not in down else
                    'downstream' if name in down and name not in up else 'other')
            counters[role] = counters.get(role, 0) + 1
            self._labels[name] = '%s NF %d (%s)' % (role, counters[role], nf.type)

    @staticmethod
    def _reach(name, step):
        seen, todo = set(), [name]
        while todo:
            for n in step(todo.pop()):
                if n not in seen:
                    seen.add(n)
                    todo.append(n)
        return seen

    def own_nfs(self):
        """NF instances whose details this reader may see."""
        return [n.name for n in self.topology.nfs if n.role != ROLE_SOURCE
                and (self.vendor is None or n.vendor == self.vendor)]

    def visible(self, name):
        """Whether ``name``'s internals (instance, rates, flows) are shown."""
        if self.vendor is None:
            return True
        try:
            nf = self.topology.nf(name)
        except KeyError:
            return False
        return nf.vendor == self.vendor

    def is_source(self, name):
        try:
            return self.topology.nf(name).role == ROLE_SOURCE
        except KeyError:
            return False

    def label(self, name):
        """How ``name`` (an instance, a source, an NF type or ``*``) is
        shown to this reader."""
        if name is None:
            return 'unknown source'
        return self._labels.get(name, name)

    def vendor_label(self, name):
        if self.vendor is not None and not self.visible(name) \
                and not self.is_source(name):
            return 'another vendor'
        try:
            return self.topology.nf(name).vendor or '-'
        except KeyError:
            return '-'

    def flows(self, flows, nf):
        """``flows`` if this reader may see the flows at ``nf``, else []."""
        return list(flows or []) if self.visible(nf) else []

    def type_visible(self, label):
        """A pattern location (instance, type or ``*``): visible when it is
        an own instance, a source, or a type all of whose instances are
        own."""
        if self.vendor is None:
            return True
        names = [n for n in self.topology.nfs if n.name == label or n.type == label]
        if label == '*' or not names:
            return False
        return all(n.vendor == self.vendor or n.role == ROLE_SOURCE for n in names)
