"""Deterministic workflow code. No I/O, no clock, no heavy imports (Pillow, SQLModel) here."""
