"""Checking gradients: why a gradient is what it is (paths)."""
