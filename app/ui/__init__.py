"""The desktop interface (PySide6). Everything here only shows and forwards: the work is done
by the Qt-free layer in app/ (project, store, media), so every action also runs headless.

Entry point: :func:`app.ui.main_window.run_gui`.
"""
