"""The diagnosis engine (§4.1-4.3): a pure library.

    from microscope_plugin.diagnosis import DiagnosisParams, diagnose
    result = diagnose(trace, DiagnosisParams())
"""
from microscope_plugin.diagnosis.engine import diagnose  # noqa: F401
from microscope_plugin.diagnosis.params import (  # noqa: F401
    DiagnosisParams, VictimCriteria)
