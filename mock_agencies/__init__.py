"""Simulated agency back offices. Each is its own ASGI app, reached only over HTTP, exactly as
the gateway would reach a real agency. Nothing here imports the gateway side."""
