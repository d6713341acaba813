"""ASGI entry point for uvicorn: `uvicorn spotcheck.asgi:app`."""

from spotcheck.app import create_app

app = create_app()
