"""Linli: a chat-first service desk for an urban residential community."""

__version__ = "0.1.0"
