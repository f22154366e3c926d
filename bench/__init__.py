"""Benchmarks a person runs by hand (never in CI): ``python -m bench.<name>``."""
