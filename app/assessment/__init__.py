"""The assessment engine applied to a project: its labelled library in, models and
assessments out. The science lives in :mod:`inference.assess`; this package reads the
project's poses and labels, keeps model files in ``<project>/models/`` and writes
assessments to the store.
"""
