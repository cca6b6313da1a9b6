"""Errors the storage layer raises for what a client asked for; the API
maps them to 404 / 409 / 400 with the field in the JSON message."""


class StorageError(Exception):
    field = None

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class NotFound(StorageError):
    def __init__(self, resource, ident, field=None):
        super().__init__('%s %s not found' % (resource, ident), field)
        self.resource = resource
        self.ident = ident


class Conflict(StorageError):
    """The request contradicts what is stored (e.g. a record block that
    differs from the one already ingested at the same offset)."""


class Invalid(StorageError):
    """A parameter that cannot be applied (e.g. an unknown marker)."""
