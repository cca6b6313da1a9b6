"""Query helpers shared by the db modules: scope, pagination."""
import dataclasses

import sqlalchemy as sa

from microscope_plugin.db import errors


@dataclasses.dataclass(frozen=True)
class Scope:
    """What a caller may see: ``project_id`` None = every project;
    ``vendor`` set = only results about that vendor's NFs."""

    project_id: str = None
    vendor: str = None

    @property
    def unrestricted(self):
        return self.project_id is None and self.vendor is None


ALL = Scope()


def page_by_id(stmt, model, limit, marker):
    """Keyset pagination on an integer primary key."""
    if marker is not None:
        stmt = stmt.where(model.id > int(marker))
    return stmt.order_by(model.id).limit(limit)


def page_by_created(session, stmt, model, limit, marker, resource):
    """Keyset pagination on (created_at, id) for UUID-keyed rows; the
    marker is the id of the last row of the previous page."""
    if marker is not None:
        m = session.get(model, marker)
        if m is None:
            raise errors.Invalid('marker: %s %s not found' % (resource, marker),
                                 'marker')
        stmt = stmt.where(sa.or_(
            model.created_at > m.created_at,
            sa.and_(model.created_at == m.created_at, model.id > m.id)))
    return stmt.order_by(model.created_at, model.id).limit(limit)


def overlaps(model, start_ns, end_ns, lo='start_ns', hi='end_ns'):
    """Conditions for rows whose [lo, hi] overlaps [start_ns, end_ns)."""
    cond = []
    if start_ns is not None:
        cond.append(getattr(model, hi) >= start_ns)
    if end_ns is not None:
        cond.append(getattr(model, lo) < end_ns)
    return cond


def rows(session, stmt, model):
    """Run an ORM ``select(model)`` as plain rows of the model's columns
    (attribute access like the model; no identity map: list endpoints)."""
    return session.execute(stmt.with_only_columns(
        *model.__table__.columns)).all()
