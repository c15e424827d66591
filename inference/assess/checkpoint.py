"""Versioned model files: a header, the model's config and weights, and extra arrays.

A file is a ``torch.save`` of one dict::

    {"header": {"format": "plumb-model", "version": 1, "kind": ..., "schema": ..., "torch": ...},
     "config": {...}, "state_dict": {name: tensor}, "extra": {...}}

It holds only tensors, dicts, lists, tuples, str, int, float, bool and None, so it is read
with ``torch.load(weights_only=True)``: opening a model file someone sent you cannot run code.
numpy arrays in ``config``/``extra`` are stored as CPU tensors (and come back as tensors;
call ``.numpy()``), numpy scalars as Python numbers. Writes go to a temporary file in the
same folder, then ``os.replace``, so a crash never leaves a half-written model under the
real name.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

FORMAT = "plumb-model"
VERSION = 1


class CheckpointError(ValueError):
    """A model file that cannot be used here; the message says what to do instead."""


@dataclass
class Checkpoint:
    """A loaded model file.

    Attributes:
        kind: what the model is (e.g. ``"stage-segmenter"``, ``"exemplar-scorer"``).
        schema: skeleton name the model was trained on (``"mpii16"``, ...).
        config: the settings needed to rebuild the model before ``load_state_dict``.
        state_dict: parameter name -> CPU tensor.
        extra: anything else saved with it; numpy arrays come back as tensors.
        version: the file format version.
        torch_version: the torch version that wrote the file.
    """

    kind: str
    schema: str
    config: dict
    state_dict: dict[str, torch.Tensor]
    extra: dict = field(default_factory=dict)
    version: int = VERSION
    torch_version: str = ""


def _plain(value: Any, where: str) -> Any:
    """``value`` with numpy converted to tensors/Python numbers; refuses other objects."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise ValueError(f"{where} is a numpy array of Python objects; store numbers or strings instead")
        return torch.from_numpy(np.ascontiguousarray(value)).clone()
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().clone()
    if isinstance(value, Mapping):
        plain = {}
        for key, item in value.items():
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise ValueError(f"{where} has key {key!r}; model files allow str or int keys only")
            plain[key] = _plain(item, f"{where}[{key!r}]")
        return plain
    if isinstance(value, list):
        return [_plain(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, tuple):
        return tuple(_plain(item, f"{where}[{i}]") for i, item in enumerate(value))
    raise ValueError(
        f"{where} is a {type(value).__name__}; model files hold only tensors, numpy arrays, "
        "dicts, lists, tuples, str, int, float, bool and None"
    )


def save_checkpoint(
    path: str | os.PathLike,
    *,
    kind: str,
    schema: str,
    config: dict,
    state_dict: Mapping[str, torch.Tensor],
    extra: dict | None = None,
) -> Path:
    """Write a model file atomically, creating its folder; returns the path written.

    Raises ValueError before touching the disk when ``config``/``extra`` hold anything but
    plain data or ``state_dict`` holds anything but tensors.
    """
    if not kind or not schema:
        raise ValueError("save_checkpoint needs a non-empty kind and schema")
    weights = {}
    for name, tensor in state_dict.items():
        if not isinstance(tensor, torch.Tensor):
            raise ValueError(f"state_dict[{name!r}] is a {type(tensor).__name__}, not a tensor")
        weights[str(name)] = tensor.detach().cpu().clone()
    payload = {
        "header": {"format": FORMAT, "version": VERSION, "kind": kind, "schema": schema,
                   "torch": str(torch.__version__)},
        "config": _plain(dict(config), "config"),
        "state_dict": weights,
        "extra": _plain(dict(extra or {}), "extra"),
    }
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            torch.save(payload, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return target


def _header_field(header: Mapping, name: str, path: Path) -> Any:
    if name not in header:
        raise CheckpointError(f"{path} is damaged: its header has no {name!r}; save the model again")
    return header[name]


def load_checkpoint(path: str | os.PathLike, *, kind: str, schema: str | None = None) -> Checkpoint:
    """Read a model file of ``kind`` (trained on ``schema`` unless that is None).

    Raises:
        CheckpointError: the file is missing, damaged, not a Plumb model file, written by a
            newer Plumb, or holds another kind of model or a model for another skeleton.
    """
    source = Path(path)
    if not source.is_file():
        raise CheckpointError(f"no model file at {source}; train a model or choose another file")
    try:
        payload = torch.load(source, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several types for foreign or broken files
        raise CheckpointError(
            f"{source} is not a Plumb model file or is damaged ({type(error).__name__}); "
            "choose a .pt file saved by Plumb, or train the model again"
        ) from error
    header = payload.get("header") if isinstance(payload, dict) else None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CheckpointError(
            f"{source} is not a Plumb model file (no {FORMAT!r} header); choose a model saved by Plumb"
        )
    version = _header_field(header, "version", source)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise CheckpointError(f"{source} is damaged: version {version!r} is not valid; save the model again")
    if version > VERSION:
        raise CheckpointError(
            f"{source} was made by a newer Plumb (model file version {version}, this Plumb reads "
            f"up to {VERSION}); update Plumb"
        )
    file_kind = _header_field(header, "kind", source)
    if file_kind != kind:
        raise CheckpointError(f"{source} holds a {file_kind!r} model, not a {kind!r} model; choose a {kind} model file")
    file_schema = _header_field(header, "schema", source)
    if schema is not None and file_schema != schema:
        raise CheckpointError(
            f"{source} was trained on {file_schema!r} poses but these poses are {schema!r}; "
            f"convert the poses to {file_schema} or choose a model trained on {schema}"
        )
    missing = [name for name in ("config", "state_dict", "extra") if not isinstance(payload.get(name), dict)]
    if missing:
        raise CheckpointError(f"{source} is damaged: it has no {', '.join(missing)}; save the model again")
    return Checkpoint(
        kind=file_kind,
        schema=file_schema,
        config=payload["config"],
        state_dict=payload["state_dict"],
        extra=payload["extra"],
        version=version,
        torch_version=str(header.get("torch", "")),
    )
