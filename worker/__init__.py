"""Wires dependencies into the activities and registers everything with a Temporal worker."""
