"""make bench-live: live questions in meeting mode, measured end to end on the real ASGI server."""
