"""The ASGI app (Starlette): channels' webhooks, health and metrics, in one process."""
