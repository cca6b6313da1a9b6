"""Diagnosers behind one interface, loaded by name with stevedore.

Namespace ``microscope.diagnosers`` (setup.cfg): ``microscope`` (this
engine, §4) and ``netmedic`` (the baseline of §6.2).  Every diagnoser
takes a reconstructed trace and :class:`DiagnosisParams` and returns a
:class:`~microscope_plugin.diagnosis.result.DiagnosisResult`, so the CLI,
the API and the evaluation treat them alike.
"""
import abc

from stevedore import driver
from stevedore import exception as stevedore_exc

NAMESPACE = 'microscope.diagnosers'


class UnknownDiagnoser(ValueError):
    pass


class Diagnoser(abc.ABC):
    name = None

    @abc.abstractmethod
    def diagnose(self, trace, params, progress=None):
        """Return a DiagnosisResult for ``trace``."""


class MicroscopeDiagnoser(Diagnoser):
    """Queue-based diagnosis (§4.1-4.3)."""

    name = 'microscope'

    def diagnose(self, trace, params, progress=None):
        from microscope_plugin.diagnosis.engine import diagnose
        return diagnose(trace, params, progress)


def available():
    from stevedore import extension
    return sorted(extension.ExtensionManager(NAMESPACE).names())


def get_diagnoser(name):
    """Instantiate the diagnoser registered as ``name``."""
    try:
        return driver.DriverManager(NAMESPACE, name, invoke_on_load=True).driver
    except stevedore_exc.NoMatches:
        raise UnknownDiagnoser('unknown diagnoser %r (available: %s)'
                               % (name, ', '.join(available()) or 'none'))
