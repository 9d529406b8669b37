"""Benchmarks of the whole product (issue #5): scripts that print figures, never timed tests."""
