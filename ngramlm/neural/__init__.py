"""Neural baselines (PyTorch, an optional extra)."""
