"""Smoothing methods: counts -> BackoffModel."""
