"""The floor for live delivery: a bare Starlette app that only broadcasts a payload to its sockets.

    uvicorn bench.bare_broadcast:app --port 18900

Clients connect to /ws; POST /broadcast with a body sends that body, as is, to every socket. This is
the least any websocket server in Python has to do per delivered event; bench/ws_load.py compares
Plein against it in the same run.
"""
from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

sockets: set[WebSocket] = set()


async def ws_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    sockets.add(websocket)
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        pass
    finally:
        sockets.discard(websocket)


async def broadcast(request: Request) -> PlainTextResponse:
    text = (await request.body()).decode()
    await asyncio.gather(*(s.send_text(text) for s in list(sockets)), return_exceptions=True)
    return PlainTextResponse(str(len(sockets)))


app = Starlette(routes=[WebSocketRoute("/ws", ws_endpoint), Route("/broadcast", broadcast, methods=["POST"])])
