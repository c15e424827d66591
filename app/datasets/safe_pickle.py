"""Load a pickle without letting it run code.

A pickle names the globals it needs and Python calls them while loading; a hostile file
can name ``os.system``. :class:`SafeUnpickler` answers only plain containers and what
numpy arrays and scalars need, and refuses everything else before anything is called.
Both the numpy 1.x (``numpy.core``) and 2.x (``numpy._core``) module names are accepted,
so a file written under either loads under the numpy installed here.
"""

from __future__ import annotations

import importlib
import io
import os
import pickle
from pathlib import Path
from typing import Any

from app.datasets.errors import DatasetError

# (module, name) -> the attribute path to resolve. Builtins a pickle may ask for when it
# was written with an old protocol (sets, frozensets, bytes under protocol 2...).
_BUILTINS = {"set", "frozenset", "complex", "bytearray", "slice", "range", "bool",
             "int", "float", "str", "bytes", "list", "tuple", "dict"}
_NUMPY_CORE = {
    ("multiarray", "_reconstruct"),
    ("multiarray", "scalar"),
    ("numeric", "_frombuffer"),
}


def _allowed(module: str, name: str) -> bool:
    if module in ("builtins", "__builtin__"):
        return name in _BUILTINS
    if module == "_codecs":
        return name == "encode"  # protocol-2 bytes: encode(str, 'latin1')
    if module == "collections":
        return name == "OrderedDict"
    if module == "numpy":
        return name in ("ndarray", "dtype")
    for prefix in ("numpy.core.", "numpy._core."):
        if module.startswith(prefix):
            return (module[len(prefix):], name) in _NUMPY_CORE
    return False


def _resolve(module: str, name: str) -> Any:
    candidates = [module]
    if module.startswith("numpy.core."):
        candidates.append("numpy._core." + module[len("numpy.core."):])
    elif module.startswith("numpy._core."):
        candidates.append("numpy.core." + module[len("numpy._core."):])
    if module == "__builtin__":
        candidates = ["builtins"]
    for candidate in candidates:
        try:
            return getattr(importlib.import_module(candidate), name)
        except (ImportError, AttributeError):
            continue
    raise pickle.UnpicklingError(f"cannot find {module}.{name}")


class _Refused(pickle.UnpicklingError):
    def __init__(self, qualname: str):
        super().__init__(qualname)
        self.qualname = qualname


class SafeUnpickler(pickle.Unpickler):
    """An Unpickler that only builds plain data and numpy arrays."""

    def find_class(self, module: str, name: str) -> Any:
        if not _allowed(module, name):
            raise _Refused(f"{module}.{name}")
        return _resolve(module, name)

    def persistent_load(self, pid: Any) -> Any:
        raise _Refused(f"persistent id {pid!r}")


def loads_pickle(data: bytes, source: str = "<bytes>") -> Any:
    """Unpickle ``data`` safely; ``source`` names it in error messages."""
    try:
        return SafeUnpickler(io.BytesIO(data)).load()
    except _Refused as exc:
        raise DatasetError(
            f"{source}: refused: it asks for {exc.qualname}; only plain data and numpy "
            "arrays are loaded. Do not use this file unless you trust who made it."
        ) from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError, MemoryError, OverflowError, UnicodeDecodeError) as exc:
        raise DatasetError(
            f"{source}: not a readable pickle ({type(exc).__name__}: {exc}); the file may "
            "be truncated or not a pickle - get a fresh copy"
        ) from None


def load_pickle(path: str | os.PathLike) -> Any:
    """Load the pickle at ``path`` through :class:`SafeUnpickler`.

    Raises:
        DatasetError: the file is missing, unreadable, truncated, or asks for anything
            other than plain containers, numbers, strings and numpy arrays.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise DatasetError(f"{p}: cannot read ({exc.strerror or exc})") from None
    return loads_pickle(data, str(p))
