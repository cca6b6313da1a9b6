"""Locate and build the C collector (``collector/Makefile``)."""
import dataclasses
import os
import pathlib
import shutil
import subprocess

SHIM = 'libmicroscope_collector.so'
STATIC = 'libmicroscope_collector.a'
DUMPER = 'microscope-dumper'


class BuildError(RuntimeError):
    """The collector could not be built (the message has make's output)."""


@dataclasses.dataclass(frozen=True)
class Artifacts:
    build_dir: pathlib.Path
    shim: pathlib.Path
    static_lib: pathlib.Path
    dumper: pathlib.Path


def source_dir():
    """The ``collector/`` directory: $MICROSCOPE_COLLECTOR_SRC, else the one
    next to this package in a source checkout."""
    env = os.environ.get('MICROSCOPE_COLLECTOR_SRC')
    path = pathlib.Path(env) if env else \
        pathlib.Path(__file__).resolve().parents[2] / 'collector'
    if not (path / 'Makefile').is_file():
        raise BuildError('collector sources not found at %s (set '
                         'MICROSCOPE_COLLECTOR_SRC to the collector/ '
                         'directory of a Microscope checkout)' % path)
    return path


def dpdk_missing():
    """``None`` if DPDK and a C toolchain are usable here, else the reason."""
    for tool in ('dpdk-testpmd', 'pkg-config', 'make', 'cc'):
        if shutil.which(tool) is None:
            return ('%s not found (install Debian\'s dpdk, dpdk-dev, '
                    'libdpdk-dev, pkg-config, make, gcc)' % tool)
    rc = subprocess.run(['pkg-config', '--exists', 'libdpdk'],
                        capture_output=True).returncode
    if rc != 0:
        return 'pkg-config does not know libdpdk (apt-get install libdpdk-dev)'
    if not os.path.exists('/usr/include/zlib.h'):
        return 'zlib.h not found (apt-get install zlib1g-dev)'
    return None


def toolchain_missing():
    """``None`` if the dumper alone can be built here, else the reason."""
    for tool in ('make', 'cc'):
        if shutil.which(tool) is None:
            return '%s not found (apt-get install make gcc)' % tool
    if not os.path.exists('/usr/include/zlib.h'):
        return 'zlib.h not found (apt-get install zlib1g-dev)'
    return None


def build_targets(targets, build_dir=None, jobs=2):
    """Build extra make targets (``examples``, ``bench``) into the same
    build directory; returns it."""
    src = source_dir()
    out = pathlib.Path(build_dir or os.environ.get('MICROSCOPE_COLLECTOR_BUILD')
                       or src / 'build').resolve()
    proc = subprocess.run(['make', '-s', '-j%d' % jobs, '-C', str(src),
                           'BUILD=%s' % out] + list(targets),
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError('make %s failed:\n%s%s' % (' '.join(targets),
                                                    proc.stdout, proc.stderr))
    return out


def build(build_dir=None, jobs=2, dumper_only=False):
    """Build the shim, the static library and the dumper; return their paths.

    ``build_dir`` defaults to $MICROSCOPE_COLLECTOR_BUILD, else
    ``collector/build``.  make rebuilds only what changed.
    ``dumper_only`` builds just the dumper (no DPDK needed); the other
    paths in the result then need not exist.
    """
    src = source_dir()
    out = pathlib.Path(build_dir or os.environ.get('MICROSCOPE_COLLECTOR_BUILD')
                       or src / 'build').resolve()
    out.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(['make', '-s', '-j%d' % jobs, '-C', str(src),
                           'BUILD=%s' % out] + (['dumper'] if dumper_only else []),
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError('building the collector failed (make -C %s):\n%s%s'
                         % (src, proc.stdout, proc.stderr))
    art = Artifacts(out, out / SHIM, out / STATIC, out / DUMPER)
    wanted = (art.dumper,) if dumper_only else (art.shim, art.static_lib,
                                                art.dumper)
    for path in wanted:
        if not path.exists():
            raise BuildError('make succeeded but %s is missing' % path)
    return art
