"""Request headers are bounded in size and count (431) by the protocol `plein serve` runs: real uvicorn on a
loopback port, spoken to over a raw socket (an HTTP client would refuse to send most of these)."""
from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from app.serving import MAX_HEADER_BYTES, MAX_HEADER_COUNT, PROTOCOL
from tests.servers import AppServer


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[AppServer]:
    from app.config import Settings
    from app.db import Database, make_engine
    from app.main import create_app

    # The health endpoint is all these requests reach: a database of the module's own, never written.
    url = f"sqlite:///{tmp_path_factory.mktemp('headers') / 'plein.db'}"
    app = create_app(Settings(database_url=url), database=Database(make_engine(url)))
    with AppServer(app, http=PROTOCOL) as running:
        yield running


def exchange(server: AppServer, head: bytes, *, chunks: int = 1) -> bytes:
    """Send a request head (in `chunks` pieces) and read the answer until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        size = -(-len(head) // chunks)
        try:
            for start in range(0, len(head), size):
                sock.sendall(head[start:start + size])
        except (BrokenPipeError, ConnectionResetError):
            pass  # it stopped listening part-way: its answer is already on its way
        answer = b""
        try:
            while data := sock.recv(65536):  # every request here ends its connection: read to the end
                answer += data
        except ConnectionResetError:
            pass
        return answer


def request(*headers: bytes) -> bytes:
    return b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + b"".join(
        h + b"\r\n" for h in headers) + b"\r\n"


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


class TestHeaderLimits:
    def test_an_ordinary_request_is_served(self, server) -> None:
        cookie = b"Cookie: plein_session=" + b"x" * 4000
        assert status(exchange(server, request(cookie, b"Accept: */*"))) == 200

    def test_just_under_both_limits_is_served(self, server) -> None:
        # MAX_HEADER_COUNT fields, Host and Connection among them, together just under MAX_HEADER_BYTES.
        fields = MAX_HEADER_COUNT - 2
        each = (MAX_HEADER_BYTES - 200) // fields
        headers = [f"X-Field-{i:03d}: ".encode() + b"v" * (each - 17) for i in range(fields)]
        assert status(exchange(server, request(*headers))) == 200

    def test_too_many_fields(self, server) -> None:
        answer = exchange(server, request(*[f"X-Field-{i}: 1".encode() for i in range(MAX_HEADER_COUNT)]))
        assert status(answer) == 431
        assert b"at most 32768 bytes in 100 fields" in answer

    def test_too_many_bytes_in_total(self, server) -> None:
        headers = [f"X-Field-{i}: ".encode() + b"v" * 1000 for i in range(40)]
        assert status(exchange(server, request(*headers))) == 431

    def test_one_huge_field(self, server) -> None:
        assert status(exchange(server, request(b"Cookie: " + b"x" * (MAX_HEADER_BYTES + 1)))) == 431

    def test_a_header_that_never_ends_is_not_held_in_memory(self, server) -> None:
        # 4 MB of one header value in 64 pieces, with no end of line: refused once it passes the limit.
        head = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Endless: " + b"y" * 4_000_000
        assert status(exchange(server, head, chunks=64)) == 431

    def test_a_websocket_upgrade_is_bounded_too(self, server) -> None:
        answer = exchange(server, b"GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                                  b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                                  b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                  + b"".join(f"X-Field-{i}: 1\r\n".encode() for i in range(MAX_HEADER_COUNT))
                                  + b"\r\n")
        assert status(answer) == 431

    def test_the_server_goes_on_after_refusing(self, server) -> None:
        assert status(exchange(server, request(b"Cookie: " + b"x" * 40_000))) == 431
        assert status(exchange(server, request())) == 200

    def test_keep_alive_requests_are_each_counted_on_their_own(self, server) -> None:
        # Two requests on one connection, each with 60 fields: neither is over the limit by itself.
        one = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(
            f"X-Field-{i}: 1\r\n".encode() for i in range(60)) + b"\r\n"
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(one + one.replace(b"Host: 127.0.0.1\r\n", b"Host: 127.0.0.1\r\nConnection: close\r\n"))
            answer = b""
            while data := sock.recv(65536):
                answer += data
        assert answer.count(b"HTTP/1.1 200") == 2, answer[:300]
