"""Shared learning: de-identification, themes, bulletins (arrives with the learning issue)."""
