"""The one error the dataset formats raise."""

from __future__ import annotations

from app.errors import PlumbError


class DatasetError(PlumbError):
    """A dataset file cannot be read or written as asked; the message names the file and
    the problem. A writer that raises this has written nothing."""
