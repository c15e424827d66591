"""The one error the dataset formats raise, and the net that turns a malformed file into it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from app.errors import PlumbError


class DatasetError(PlumbError):
    """A dataset file cannot be read or written as asked; the message names the file and
    the problem. A writer that raises this has written nothing."""


@contextlib.contextmanager
def malformed(path: str | os.PathLike, what: str) -> Iterator[None]:
    """Report a value of the wrong type anywhere inside a ``what`` file as a DatasetError
    naming ``path``.

    Readers check the layout they rely on first, with messages that say which field is
    wrong; this is the net beneath those checks, so a file that breaks an assumption no
    check foresaw still ends in one clear error instead of a traceback.
    """
    try:
        yield
    except DatasetError:
        raise
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        detail = " ".join(str(exc).split())[:200]
        raise DatasetError(f"{path}: not a valid {what} file ({type(exc).__name__}: {detail}); "
                           f"check it against the {what} layout") from None
    except RecursionError:
        raise DatasetError(f"{path}: nested too deeply to be a {what} file") from None
