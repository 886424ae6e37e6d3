"""Pydantic models and enums of the domain; no I/O."""
