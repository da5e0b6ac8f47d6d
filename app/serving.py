"""How `plein serve` speaks HTTP: uvicorn's httptools protocol with bounded request headers.

llhttp (under httptools) sets no limit on the header section, and uvicorn adds none: one client could send
megabytes of headers, or thousands of them, and each would be held in memory. Here the whole header section is
bounded in size and in count, as nginx and Node do, and a request over either is answered 431 Request Header
Fields Too Large and its connection closed — before the app sees it, for a page, the API and a websocket alike.
"""
from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# Node's default is 16 KiB and nginx's 4 × 8 KiB; a browser's cookies and a long Referer fit well within this.
MAX_HEADER_BYTES = 32 * 1024
MAX_HEADER_COUNT = 100
# For uvicorn.run(http=…): an import string, so that each worker process (spawned) imports it itself.
PROTOCOL = "app.serving:BoundedHttpToolsProtocol"


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True  # reading a request's header section (from its first byte to its blank line)
        self._head_received = 0  # bytes received while in it: bounds a header that never ends, too
        self._header_bytes = 0
        self._header_count = 0
        self._too_large = False

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            # What came before this chunk was all header section, and it is still not complete.
            if self._head_received > MAX_HEADER_BYTES:
                self._refuse()
                return
            self._head_received += len(data)
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._head_received = self._header_bytes = self._header_count = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value) + 4  # "name: value\r\n"
        self._header_count += 1
        if self._header_bytes > MAX_HEADER_BYTES or self._header_count > MAX_HEADER_COUNT:
            self._too_large = True
            raise ValueError("request header fields too large")  # httptools stops parsing: send_400_response
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        if self._too_large:
            self._refuse()
        else:
            super().send_400_response(msg)

    def _refuse(self) -> None:
        if self.transport.is_closing():
            return
        self.logger.warning("refused a request whose headers are over %d bytes or %d fields (431)",
                            MAX_HEADER_BYTES, MAX_HEADER_COUNT)
        message = (f"Request header fields too large: at most {MAX_HEADER_BYTES} bytes in "
                   f"{MAX_HEADER_COUNT} fields.").encode()
        head = [b"HTTP/1.1 431 Request Header Fields Too Large\r\n"]
        for name, value in self.server_state.default_headers:
            head.append(name + b": " + value + b"\r\n")
        head += [b"content-type: text/plain; charset=utf-8\r\n",
                 b"content-length: " + str(len(message)).encode() + b"\r\n", b"connection: close\r\n\r\n"]
        self.transport.write(b"".join(head) + message)
        self.transport.close()
