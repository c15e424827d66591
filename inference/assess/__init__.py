"""Assessment of a movement from its pose sequence (METHODS.md §2-5).

numpy and torch only: no Qt, no database, nothing from ``app``.

* :mod:`~inference.assess.sample`: :class:`ClipSample`, one clip's poses and labels.
* :mod:`~inference.assess.features`: per-frame features normalised to the athlete.
* :mod:`~inference.assess.visual_cues`: motion energy and splash from frames (no network).
* :mod:`~inference.assess.stages`: Bi-GRU stage segmenter, model-free diving stages, AIoU.
* :mod:`~inference.assess.score`: exemplar contrastive regression and the coarse-to-fine head.
* :mod:`~inference.assess.alignment`: DTW time alignment and measures of movement over time.
* :mod:`~inference.assess.dimensions`: the five skill dimensions against reference clips.
* :mod:`~inference.assess.diving_faults`: measurable diving faults (knees apart, bent legs,
  entry off vertical, under- and over-rotation, splash).
* :mod:`~inference.assess.feedback`: judge-vocabulary feedback anchored to frame ranges.
* :mod:`~inference.assess.training`, :mod:`~inference.assess.checkpoint`,
  :mod:`~inference.assess.metrics`, :mod:`~inference.assess.priors`: seeded training with
  early stopping, versioned model files, SRCC / R-l2 / AUC and the label-only baselines.
* :mod:`~inference.assess.synthetic`: dives generated with known stages and quality.
"""
