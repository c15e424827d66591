"""Data files shipped with Plumb: sport templates (sports/*.json), later icons and themes."""
