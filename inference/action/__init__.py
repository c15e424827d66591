"""Which action was performed, read from the poses: dive numbers from the body's motion
(:mod:`inference.action.dive_reading`) and a learned classifier for any sport."""
