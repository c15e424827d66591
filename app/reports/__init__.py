"""Coach reports rendered without a window (matplotlib's Agg and PDF back-ends)."""
