"""The collector deployer interface."""
import abc


class DeployError(RuntimeError):
    """A collector could not be deployed, refreshed or removed; the
    message names the NF (or host) and what failed."""


class CollectorDeployer(abc.ABC):
    """``target`` is a dict naming one place to record: at least ``nf``
    (the NF instance name the records carry); deployer-specific keys
    besides (``command`` for local, ``host``/``vnf_instance_id``/
    ``vnfc_id`` for tacker)."""

    name = None

    def __init__(self, conf):
        self.conf = conf

    @abc.abstractmethod
    def deploy(self, target):
        """Start recording ``target``; returns a status dict."""

    @abc.abstractmethod
    def refresh(self, target):
        """Make sure ``target`` is recorded after it changed (restart the
        collector if it is gone); returns a status dict."""

    @abc.abstractmethod
    def remove(self, target):
        """Stop recording ``target`` and return {'record_files': [...]}
        with its last records."""

    def status(self):
        """{nf: state} of what this deployer started."""
        return {}
