"""A deliberately dumb websocket client over a raw socket, to send what well-behaved libraries refuse to:
invalid UTF-8 text, unmasked frames, lying length headers, partial frames, reserved opcodes, floods.

``RawSocket(port)`` does the HTTP upgrade; ``frame(opcode, payload, ...)`` builds one client frame;
``send(bytes)`` writes; ``read()`` returns the next server frame as ``(opcode, payload)`` (a close frame's
payload starts with the 2-byte code: see ``close_code``).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import struct
from typing import Any

TEXT, BINARY, CLOSE, PING, PONG, CONTINUATION = 0x1, 0x2, 0x8, 0x9, 0xA, 0x0


def frame(
    opcode: int,
    payload: bytes,
    *,
    fin: bool = True,
    mask: bool = True,
    rsv: int = 0,
    claimed_length: int | None = None,
) -> bytes:
    """One client frame (masked unless ``mask=False``; ``claimed_length`` lies about the length)."""
    length = len(payload) if claimed_length is None else claimed_length
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    bit = 0x80 if mask else 0
    if length < 126:
        head += bytes([bit | length])
    elif length < 2**16:
        head += bytes([bit | 126]) + struct.pack("!H", length)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", length)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def text(message: Any) -> bytes:
    """A masked text frame carrying ``message`` (JSON-encoded unless it is already str/bytes)."""
    if isinstance(message, bytes):
        return frame(TEXT, message)
    return frame(
        TEXT, (message if isinstance(message, str) else json.dumps(message)).encode("utf-8", "surrogatepass")
    )


class RawSocket:
    def __init__(self, port: int, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101"), head

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _exactly(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the server")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read(self) -> tuple[int, bytes]:
        first, second = self._exactly(2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._exactly(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._exactly(8))[0]
        assert not second & 0x80, "server frames are never masked"
        return first & 0x0F, self._exactly(length)

    def read_json(self) -> dict[str, Any]:
        """The next text frame as JSON (skips pings); raises AssertionError on a close frame."""
        while True:
            opcode, payload = self.read()
            if opcode == TEXT:
                return json.loads(payload)
            assert opcode != CLOSE, f"closed: {close_code(payload)}"

    def read_close(self) -> int:
        """Read until the server's close frame; returns its code (1005 if none was given)."""
        while True:
            opcode, payload = self.read()
            if opcode == CLOSE:
                return close_code(payload)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def close_code(payload: bytes) -> int:
    return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
