"""Build step: compile landing's hot path with Cython, from the same Python source, and the native decoder.

What is compiled is listed once, in orchestration/native/modules.py (read here as a plain file: the
build runs without the package's dependencies). The Cython modules are plain Python (tested as such);
compiling them unchanged cuts the CPU per landed record by about 40%. Every build carries the SHA-256 of
the source it came from, and the package ignores any build whose source has changed since, so an edit
never runs stale code. Without a C compiler or Cython (or with SPANLEDGER_PURE_PYTHON=1) nothing is
compiled and the package is pure Python: slower, same results.
"""

import os
import runpy
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).parent
MODULES = runpy.run_path(str(ROOT / "orchestration" / "native" / "modules.py"))
GENERATED = ROOT / "build" / "cython-src"
NATIVE_MODULE = MODULES["DECODER_MODULE"]
NATIVE_SOURCES = ROOT / MODULES["DECODER_SOURCES"]


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
    stamp = f"\n__compiled_from__ = {MODULES['source_digest'](source)!r}\n".encode()
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

    modules = [Extension(name, [str(_stamped_copy(name))]) for name in MODULES["CYTHON_MODULES"]]
    # Python semantics exactly: annotations are documentation here, not C types.
    compiled = cythonize(
        modules,
        quiet=True,
        compiler_directives={"language_level": 3, "annotation_typing": False, "binding": True},
    )
    native = native_decoder_extension(Extension)
    return compiled + ([native] if native else [])


def native_decoder_extension(extension_class):
    """The native decoder (C++ on simdjson, from the sources the pysimdjson wheel ships), stamped like
    the Cython modules so an edited source is never shadowed by a stale build."""
    try:
        import simdjson  # pysimdjson, a build requirement only
    except ImportError:
        return None
    folder = Path(simdjson.__file__).parent
    if not (folder / "simdjson.h").exists() or not (folder / "simdjson.cpp").exists():
        return None
    macros = [("SPANLEDGER_SOURCE_SHA256", f'"{MODULES["decoder_digest"](NATIVE_SOURCES)}"')]
    libraries = []
    if _has_openssl():  # HMAC in C++ with the library Python's hmac uses; else through Python
        macros.append(("SPANLEDGER_OPENSSL", "1"))
        libraries.append("crypto")
    return extension_class(
        NATIVE_MODULE,
        [f"{MODULES['DECODER_SOURCES']}/{MODULES['DECODER_MAIN']}", str(folder / "simdjson.cpp")],
        include_dirs=[str(folder), str(NATIVE_SOURCES)],
        language="c++",
        extra_compile_args=["-std=c++17", "-O3"],
        define_macros=macros,
        libraries=libraries,
    )


def _has_openssl() -> bool:
    import ctypes.util
    import sysconfig

    folders = [sysconfig.get_paths()["include"], "/usr/include", "/usr/local/include"]
    return ctypes.util.find_library("crypto") is not None and any(
        Path(folder, "openssl", "evp.h").exists() for folder in folders
    )


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
