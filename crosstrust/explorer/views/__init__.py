"""Render stage, interactive: one module per explorer page, each a function."""
