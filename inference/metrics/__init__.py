"""Evaluation metrics (keypoints; scores and stages join later)."""
