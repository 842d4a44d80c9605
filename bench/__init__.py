"""Benchmarks: they print figures; docs/BENCHMARKS.md records them with the command that made them."""
