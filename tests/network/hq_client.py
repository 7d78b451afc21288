"""Helpers of the HQ view tests and benchmark: the view running at a test HQ, staff accounts at HQ, and a
small HTTP client (no redirects followed, cookies by hand) with a server-sent-events reader."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from server.network.hq_view import COOKIE, HqView
from server.store.journal import Journal, make_engine
from server.store.staff import StaffStore
from tests.network.workload import branch_config

PASSWORD = "hq-view-test-password"
SCRYPT_N = 2**12


def add_hq_staff(hq_url: str) -> None:
    """At HQ: a supervisor ``sup``, an admin ``boss``, a counter clerk ``clerk`` (password ``PASSWORD``)."""
    journal = Journal.open(hq_url)
    try:
        store = StaffStore(journal.engine, scrypt_n=SCRYPT_N)
        store.add("sup", PASSWORD, "supervisor", "Supervisor Salman")
        store.add("boss", PASSWORD, "admin", "Admin Amina")
        store.add("clerk", PASSWORD, "counter", "Clerk Khalid")
    finally:
        journal.close()


@contextmanager
def running_view(hq_url: str, branch_ids: list[str], interval: float = 0.1) -> Iterator[HqView]:
    engine = make_engine(hq_url)
    view = HqView(
        engine, [branch_config(b) for b in branch_ids], port=0, interval=interval, scrypt_n=SCRYPT_N
    )
    view.start()
    try:
        yield view
    finally:
        view.stop()
        engine.dispose()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def request(
    base: str,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    cookie: str | None = None,
) -> Answer:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        sent = dict(headers or {})
        if cookie:
            sent["Cookie"] = f"{COOKIE}={cookie}"
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


def login(base: str, username: str, password: str = PASSWORD, lang: str = "ar") -> Answer:
    form = urlencode({"username": username, "password": password, "lang": lang}).encode()
    return request(
        base,
        "POST",
        "/login",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def session_cookie(answer: Answer) -> str:
    raw = answer.headers["set-cookie"]
    first = raw.split(";")[0]
    name, _, value = first.partition("=")
    assert name == COOKIE
    return value


class Feed:
    """``GET /feed`` read frame by frame: ``next()`` gives the next ``state`` event's JSON (and its raw
    bytes in ``raw``), ``received_at`` the monotonic time it arrived."""

    def __init__(self, base: str, cookie: str) -> None:
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        self.connection.request("GET", "/feed", headers={"Cookie": f"{COOKIE}={cookie}"})
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.raw: list[bytes] = []
        self.received_at = 0.0
        self.last_event = ""

    def next(self) -> dict[str, Any]:
        event, data = "", b""
        while True:
            line = self.response.readline()
            if not line:
                raise EOFError("the feed ended")
            line = line.rstrip(b"\n")
            if line.startswith(b"event: "):
                event = line[7:].decode()
            elif line.startswith(b"data: "):
                data = line[6:]
            elif line == b"" and data:
                self.received_at = time.monotonic()
                self.last_event = event
                self.raw.append(data)
                parsed: dict[str, Any] = json.loads(data)
                return parsed

    def until(self, predicate: Any, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            data = self.next()
            if predicate(data):
                return data
        raise AssertionError(f"the feed did not show it within {timeout} s")

    def close(self) -> None:
        self.connection.close()


def branch_of(data: dict[str, Any], branch_id: str) -> dict[str, Any]:
    return next(b for b in data["branches"] if b["id"] == branch_id)
