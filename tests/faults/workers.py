"""Load-generating clients that behave like the real devices: they retry, reconnect and resync by themselves.

``KioskWorker`` issues tickets, one idempotency key per "citizen press", and retries a press with the SAME
key after any error or disconnect until it gets an answer (what the kiosk app does with ``retry=True``).
``told`` maps every key whose ticket number the kiosk was told to that number. ``CounterWorker`` logs in
once with the password, then reconnects with ``resume_session`` (never the password again) and calls,
starts and finishes tickets. Both note when they reconnected and got a fresh snapshot (``resynced_at``).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import connect

RETRYABLE = (ConnectionClosed, OSError, TimeoutError, InvalidHandshake)


class Link:
    """One websocket connection with request/reply matching (pushes are counted and dropped)."""

    def __init__(self, urls: list[str], timeout: float = 3.0) -> None:
        last: Exception | None = None
        for url in urls:
            try:
                self.ws = connect(url, proxy=None, open_timeout=timeout, close_timeout=0.5).__enter__()
                break
            except RETRYABLE as error:
                last = error
        else:
            assert last is not None
            raise last
        self.timeout = timeout
        self.ids = 0
        self.snapshot: dict[str, Any] | None = None
        self.pushes = 0

    def request(self, kind: str, **fields: Any) -> dict[str, Any]:
        self.ids += 1
        self.ws.send(json.dumps({"id": self.ids, "type": kind, **fields}))
        while True:
            message = json.loads(self.ws.recv(timeout=self.timeout))
            if message.get("type") in ("result", "error") and message.get("id") == self.ids:
                return message
            if message.get("type") == "snapshot":
                self.snapshot = message
            else:
                self.pushes += 1

    def wait_snapshot(self) -> dict[str, Any]:
        while self.snapshot is None:
            message = json.loads(self.ws.recv(timeout=self.timeout))
            if message.get("type") == "snapshot":
                self.snapshot = message
        return self.snapshot

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()


class Worker(threading.Thread):
    """Base: a connection that is re-opened (trying every URL) whenever it fails."""

    def __init__(self, urls: list[str], name: str) -> None:
        super().__init__(name=name, daemon=True)
        self.urls = urls
        self.stop = threading.Event()
        self.link: Link | None = None
        self.connects = 0
        self.resynced_at: list[float] = []
        self.disconnected_at: list[float] = []
        self.errors: dict[str, int] = {}
        self.failure: BaseException | None = None

    def login(self, link: Link) -> None:
        raise NotImplementedError

    def ensure(self) -> Link:
        while self.link is None:
            if self.stop.is_set():
                raise InterruptedError
            try:
                link = Link(self.urls)
                self.login(link)
                link.wait_snapshot()
            except RETRYABLE:
                time.sleep(0.05)
                continue
            self.link = link
            self.connects += 1
            self.resynced_at.append(time.monotonic())
        return self.link

    def drop(self) -> None:
        if self.link is not None:
            self.link.close()
            self.link = None
            self.disconnected_at.append(time.monotonic())

    def note_error(self, code: str) -> None:
        self.errors[code] = self.errors.get(code, 0) + 1

    def run(self) -> None:
        try:
            self.work()
        except InterruptedError:
            pass
        except BaseException as error:
            self.failure = error
        finally:
            if self.link is not None:
                self.link.close()

    def work(self) -> None:
        raise NotImplementedError


class KioskWorker(Worker):
    def __init__(
        self,
        urls: list[str],
        device: str,
        token: str,
        services: tuple[str, ...] = ("inquiry",),
        pause: float = 0.02,
    ) -> None:
        super().__init__(urls, device)
        self.device, self.token, self.services, self.pause = device, token, services, pause
        self.told: dict[str, str] = {}
        self.retried_keys: set[str] = set()
        self.duplicates_reported = 0

    def login(self, link: Link) -> None:
        reply = link.request("login_device", token=self.token)
        assert reply["type"] == "result", reply

    def work(self) -> None:
        press = 0
        while not self.stop.is_set():
            key = f"{self.device}-press-{press:06d}"
            service = self.services[press % len(self.services)]
            attempts = 0
            while True:
                link = self.ensure()
                attempts += 1
                if attempts > 1:
                    self.retried_keys.add(key)
                try:
                    reply = link.request("issue_ticket", service_id=service, idempotency_key=key)
                except RETRYABLE:
                    self.drop()
                    continue
                if reply["type"] == "result":
                    self.told[key] = reply["data"]["ticket"]["number"]
                    self.duplicates_reported += bool(reply["data"]["duplicate"])
                    break
                self.note_error(reply["code"])
                assert reply["code"] in ("database_unavailable", "rate_limited"), reply
                time.sleep(0.05)
                if self.stop.is_set():
                    return  # this press was never acknowledged: the citizen was not told a number
            press += 1
            time.sleep(self.pause)


class CounterWorker(Worker):
    def __init__(self, urls: list[str], username: str, password: str, counter: int) -> None:
        super().__init__(urls, f"counter-{counter}")
        self.username, self.password, self.counter = username, password, counter
        self.session_token: str | None = None
        self.calls: list[str] = []
        self.finished = 0

    def login(self, link: Link) -> None:
        if self.session_token is None:
            reply = link.request(
                "login", username=self.username, password=self.password, counter=self.counter
            )
            assert reply["type"] == "result", reply
            self.session_token = reply["data"]["session_token"]
            self.password = ""  # like the Qt client: never kept after the first login
        else:
            reply = link.request("resume_session", session_token=self.session_token, counter=self.counter)
            assert reply["type"] == "result", reply

    def step(self, link: Link, kind: str, **fields: Any) -> dict[str, Any]:
        reply = link.request(kind, **fields)
        if reply["type"] == "error":
            self.note_error(reply["code"])
        return reply

    def work(self) -> None:
        while not self.stop.is_set():
            link = self.ensure()
            try:
                reply = self.step(link, "call_next")
                if reply["type"] == "result":
                    self.calls.append(reply["data"]["ticket"]["number"])
                    self.step(link, "start_service")
                    if self.step(link, "finish", outcome="completed")["type"] == "result":
                        self.finished += 1
                elif reply["code"] == "counter_closed":
                    self.step(link, "open_counter")
                elif reply["code"] == "counter_busy":  # after a reconnect someone may still be at the counter
                    self.step(link, "start_service")
                    self.step(link, "finish", outcome="completed")
                else:
                    time.sleep(0.05)
            except RETRYABLE:
                self.drop()
