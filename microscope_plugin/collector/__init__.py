"""The DPDK collector (``collector/``, C) seen from Python.

* :mod:`.build` locates the C sources and builds the LD_PRELOAD shim and
  the dumper with make and ``pkg-config libdpdk`` (``build.build()``);
* :mod:`.runner` starts an NF under the collector plus a dumper and stops
  both cleanly (:class:`~.runner.CollectorRun`);
* :mod:`.rings` reads the shared-memory ring headers (progress, drops);
* :mod:`.testpmd` builds ``dpdk-testpmd`` command lines for the tests and
  the overhead benchmark.

See ``docs/collector.md``.
"""
from microscope_plugin.collector.build import (  # noqa: F401
    Artifacts, BuildError, dpdk_missing, toolchain_missing)
from microscope_plugin.collector.runner import (  # noqa: F401
    CollectorRun, read_nf_records)
