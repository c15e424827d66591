"""Errors a user can act on: each message names the thing at fault and what to do next."""


class PlumbError(Exception):
    """Base for every error Plumb reports to a person (CLI: one line, non-zero exit)."""


class ProjectError(PlumbError):
    """The project folder or its database cannot be used as asked."""


class MediaError(PlumbError):
    """A video file cannot be read, decoded or trusted."""


class EditError(PlumbError):
    """An edit was refused; nothing was written."""


class AssessmentError(PlumbError):
    """A model cannot be trained, loaded or applied as asked; nothing was written."""
