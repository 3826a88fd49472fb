"""Build step: compile landing's hot path with Cython, from the same Python source.

The modules in `HOT_MODULES` are plain Python (tested as such); compiling them unchanged cuts the CPU per
landed span by about 40%. The compiled copies carry the SHA-256 of the source they came from, and
`orchestration.compiled` ignores any copy whose source has changed since, so an edit never runs stale
code. Without a C compiler or Cython (or with SPANLEDGER_PURE_PYTHON=1) nothing is compiled and the
package is pure Python: slower, same results.
"""

import hashlib
import os
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).parent
# Keep in step with orchestration/compiled.py (HOT_MODULES there).
HOT_MODULES = (
    "orchestration.otlp.values",
    "orchestration.lake.semantics",
    "orchestration.lake.privacy",
    "orchestration.lake.normalize",
)
GENERATED = ROOT / "build" / "cython-src"
# Keep in step with orchestration/lake/native.py.
NATIVE_MODULE = "orchestration.lake._native_traces"
NATIVE_SOURCE = "orchestration/lake/_native_traces.cpp"
NATIVE_HEADERS = "orchestration/lake/_native"


class OptionalBuildExt(build_ext):
    """A failed compile leaves the pure-Python module in place instead of failing the install."""

    def run(self):
        try:
            super().run()
        except Exception as err:  # noqa: BLE001 - no compiler at all: pure Python it is
            print(
                f"spanledger: not compiling the landing hot path ({err}); using pure Python", file=sys.stderr
            )

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as err:  # noqa: BLE001
            if ext.name == NATIVE_MODULE and "crypto" in ext.libraries:  # try again, hashing through Python
                print(f"spanledger: native decoder without OpenSSL ({err})", file=sys.stderr)
                ext.libraries.remove("crypto")
                ext.define_macros = [m for m in ext.define_macros if m[0] != "SPANLEDGER_OPENSSL"]
                self.build_extension(ext)
                return
            print(f"spanledger: could not compile {ext.name} ({err}); using pure Python", file=sys.stderr)


def _stamped_copy(module: str) -> Path:
    """The module's source plus the hash it was compiled from, in a build folder (never the tree)."""
    source = ROOT / (module.replace(".", "/") + ".py")
    text = source.read_bytes()
    target = GENERATED / source.relative_to(ROOT)
    target.parent.mkdir(parents=True, exist_ok=True)
    for package in target.relative_to(GENERATED).parents:  # so Cython sees the package path
        if package != Path("."):
            (GENERATED / package / "__init__.py").touch()
    stamp = f"\n__compiled_from__ = {hashlib.sha256(text).hexdigest()!r}\n".encode()
    if not target.exists() or target.read_bytes() != text + stamp:
        target.write_bytes(text + stamp)
    return target


def extensions():
    if os.environ.get("SPANLEDGER_PURE_PYTHON"):
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        return []
    from setuptools import Extension

    modules = [Extension(name, [str(_stamped_copy(name))]) for name in HOT_MODULES]
    # Python semantics exactly: annotations are documentation here, not C types.
    compiled = cythonize(
        modules,
        quiet=True,
        compiler_directives={"language_level": 3, "annotation_typing": False, "binding": True},
    )
    native = native_traces_extension(Extension)
    return compiled + ([native] if native else [])


def native_traces_extension(extension_class):
    """The native trace decoder (C++ on simdjson, from the sources the pysimdjson wheel ships), stamped
    like the Cython modules so an edited source is never shadowed by a stale build."""
    try:
        import simdjson  # pysimdjson, a build requirement only
    except ImportError:
        return None
    folder = Path(simdjson.__file__).parent
    if not (folder / "simdjson.h").exists() or not (folder / "simdjson.cpp").exists():
        return None
    macros = [("SPANLEDGER_SOURCE_SHA256", f'"{native_source_digest()}"')]
    libraries = []
    if _has_openssl():  # HMAC in C++ with the library Python's hmac uses; else through Python
        macros.append(("SPANLEDGER_OPENSSL", "1"))
        libraries.append("crypto")
    return extension_class(
        NATIVE_MODULE,
        [NATIVE_SOURCE, str(folder / "simdjson.cpp")],
        include_dirs=[str(folder), str(ROOT / NATIVE_HEADERS)],
        language="c++",
        extra_compile_args=["-std=c++17", "-O3"],
        define_macros=macros,
        libraries=libraries,
    )


def native_source_digest() -> str:
    """SHA-256 of the decoder's source and headers (as orchestration/lake/native.py computes it)."""
    digest = hashlib.sha256((ROOT / NATIVE_SOURCE).read_bytes())
    for header in sorted((ROOT / NATIVE_HEADERS).glob("*.h")):
        digest.update(header.read_bytes())
    return digest.hexdigest()


def _has_openssl() -> bool:
    import ctypes.util
    import sysconfig

    folders = [sysconfig.get_paths()["include"], "/usr/include", "/usr/local/include"]
    return ctypes.util.find_library("crypto") is not None and any(
        Path(folder, "openssl", "evp.h").exists() for folder in folders
    )


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
