"""The bare app of the ceremony benchmark's throughput figures (issue 12): FastAPI reading one row.

``python -m bench.bare_app --port N`` serves ``GET /one`` (one target row from DATABASE_URL, as
JSON) with the uvicorn settings of ``spotcheck serve``; the portal's pages are compared with it.
The engine is the platform's own (``spotcheck.db.make_engine``: same pool and connection set-up).
"""

from __future__ import annotations

import argparse
from functools import lru_cache
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine, text

app = FastAPI()


@lru_cache(maxsize=1)
def _engine() -> Engine:
    from spotcheck.config import Settings
    from spotcheck.db import make_engine

    return make_engine(Settings())


@app.get("/one")
def one() -> dict[str, Any]:
    """One row of the registry, read on every request (a sync view: the thread pool, as the app)."""
    with _engine().connect() as conn:
        row = conn.execute(text("SELECT key, name FROM target WHERE id = 1")).one()
    return {"key": row.key, "name": row.name}


def main() -> None:
    """Serve the app as `spotcheck serve` serves the platform."""
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    uvicorn.run("bench.bare_app:app", host=args.host, port=args.port, proxy_headers=False)


if __name__ == "__main__":
    main()
