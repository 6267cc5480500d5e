"""Benchmark runners that print figures."""
