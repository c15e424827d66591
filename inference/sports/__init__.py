"""Sport-specific rules (judging, dive codes): plain Python, no app, no Qt."""
