"""Reporting errors to the user."""

from __future__ import annotations

from app.ui.dialogs import RecordingReporter, make_excepthook


def test_unexpected_errors_are_printed_then_reported():
    printed, reporter = [], RecordingReporter()
    hook = make_excepthook(reporter, previous=lambda *exc: printed.append(exc[0]))
    hook(ZeroDivisionError, ZeroDivisionError("division by zero"), None)
    hook(KeyboardInterrupt, KeyboardInterrupt(), None)
    assert printed == [ZeroDivisionError, KeyboardInterrupt]
    [(title, message)] = reporter.shown
    assert title == "Unexpected error" and message.startswith("ZeroDivisionError: division by zero.")
    assert "may not have been" in message and "already made are saved" not in message, \
        "the message must not promise that the failing action was saved"
