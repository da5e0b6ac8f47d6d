"""The floor for one API request: a FastAPI endpoint that validates a reply and sends it back.

    uvicorn bench.bare_api:app --port 18901

It parses and validates the same JSON body with Plein's own `ReplyCreate` schema in a plain `def`
endpoint (run in the thread pool, like Plein's), and does nothing else: no database, no auth. This is
the least any FastAPI endpoint costs per request on the machine; bench/ws_load.py measures it next to
Plein's reply endpoint and the bare insert-and-commit.
"""
from __future__ import annotations

from fastapi import FastAPI, status

from app.schemas.posts import ReplyCreate

app = FastAPI()


@app.post("/replies", status_code=status.HTTP_201_CREATED)
def create_reply(data: ReplyCreate) -> ReplyCreate:
    return data


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
