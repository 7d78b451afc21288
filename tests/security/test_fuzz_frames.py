"""Hostile input against a real server process: hypothesis-generated requests plus raw frames that no
well-behaved client sends. At least 10,000 hostile messages in all; the server answers each one or closes
with the right code (1007 invalid UTF-8, 1009 too big, 1002 protocol violations, 1008 policy), stays up,
and refused input writes nothing to the journal (its ``seq`` is compared before and after)."""

from __future__ import annotations

import json
import random
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.protocol.messages import EXAMPLE_REQUESTS, REQUESTS
from server.testing import SyncClient
from tests.security.rawws import BINARY, CONTINUATION, PING, TEXT, RawSocket, frame, text

COUNT = {"n": 0}
WRITING = {
    "issue_ticket",
    "check_in",
    "import_appointments",
    *(
        name
        for name, model in REQUESTS.items()
        if "counter" in model.model_fields or name in ("reinstate", "cancel")
    ),
}

NASTY = [
    "",
    "\u0000",
    "\ud800",
    "' OR 1=1 --",
    "<script>",
    "../../etc/passwd",
    "\u202e",
    "A" * 300,
    "%s%n",
    "DAWR1:hq:BK-1:20261122:" + "0" * 32,
    "1e999",
    "NaN",
    "\\u0000",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**80), 2**80),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.sampled_from(NASTY),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
FIELDS = sorted({k for example in EXAMPLE_REQUESTS.values() for k in example} | {"__proto__", "constructor"})


@st.composite
def hostile(draw) -> dict:
    kind = draw(st.one_of(st.sampled_from(sorted(REQUESTS)), st.text(max_size=10)))
    message = dict(EXAMPLE_REQUESTS.get(kind, {"type": kind}))
    for name in draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=4)):
        message[name] = draw(VALUES)
    message["id"] = draw(st.one_of(st.integers(0, 2**53), st.text(min_size=1, max_size=8)))
    return message


def _reply(client: SyncClient) -> dict:
    reply = client._recv_json()
    while reply.get("type") not in ("result", "error"):
        reply = client._recv_json()
    return reply


def test_hypothesis_requests_on_every_kind_of_connection(target):
    files = target.files
    anonymous = SyncClient(target.server.url)
    kiosk = SyncClient(target.server.url)
    kiosk.login_device(files.tokens["kiosk-1"])
    counter = SyncClient(target.server.url)
    counter.login("carol", files.passwords["carol"], 5)
    clients = [anonymous, kiosk, counter]

    @settings(max_examples=1500, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from([0, 1, 2]), hostile())
    def check(which, message):
        client = clients[which]
        if message.get("type") in ("login", "resume_session", "login_device"):
            message["type"] = "ping"  # logins would end the session; they are fuzzed on their own below
        before = target.seq()
        client.send_raw(
            json.dumps(message, ensure_ascii=False)
            .encode("utf-8", "surrogatepass")
            .decode("utf-8", "replace")
        )
        reply = _reply(client)
        COUNT["n"] += 1
        if reply["type"] == "error":
            assert reply["code"] and reply["message"], reply
            if reply["code"] != "database_unavailable":
                assert target.seq() == before, (message, reply)
        elif message.get("type") not in WRITING:
            assert target.seq() == before, (message, reply)

    check()
    for client in clients:
        assert client.request("ping")["type"] == "result"
        client.close()


def test_pipelined_hostile_floods_are_all_answered(target):
    """Thousands of hostile frames sent back to back without waiting; every one gets its error reply."""
    rng = random.Random(9)
    before = target.seq()
    junk = [
        lambda i: b"{" * rng.randint(1, 50),
        lambda i: json.dumps([i, "x"]).encode(),
        lambda i: json.dumps({"id": i, "type": "issue_ticket", "service_id": "inquiry"}).encode(),  # no login
        lambda i: json.dumps({"id": i, "type": rng.choice(sorted(REQUESTS)), "counter": -i}).encode(),
        lambda i: json.dumps(
            {"id": i, "type": "call_next", "counter": 3, "extra": "x" * rng.randint(0, 500)}
        ).encode(),
        lambda i: (
            bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 40))).decode("latin-1").encode("utf-8")
        ),
        lambda i: json.dumps({"id": {"nested": [i]}, "type": "ping"}).encode(),
        lambda i: ("[" * 200 + "]" * 200).encode(),
        lambda i: json.dumps({"id": i, "type": "cancel", "ticket": "A001' OR 1=1"}).encode(),
    ]
    sockets = [RawSocket(target.server.port) for _ in range(4)]
    per_socket = 2000
    try:
        for sock in sockets:
            assert sock.read_json()["type"] == "hello"
        for round_ in range(per_socket // 500):  # batches below the server's outbox limit (1000 pending)
            for sock in sockets:
                sock.send(
                    b"".join(text(junk[i % len(junk)](i)) for i in range(round_ * 500, (round_ + 1) * 500))
                )
            for sock in sockets:
                for _ in range(500):
                    reply = sock.read_json()
                    assert reply["type"] == "error" and reply["code"] in (
                        "invalid_json",
                        "invalid_message",
                        "not_authenticated",
                        "unknown_type",
                    ), reply
                    COUNT["n"] += 1
        # binary frames: refused with an error, the connection stays
        sock = sockets[0]
        sock.send(b"".join(frame(BINARY, bytes([i % 256]) * (i % 50 + 1)) for i in range(500)))
        for _ in range(500):
            assert sock.read_json()["code"] == "invalid_message"
            COUNT["n"] += 1
        # a message in fragments is put together and answered once
        sock.send(frame(TEXT, b'{"id": 1, "ty', fin=False) + frame(CONTINUATION, b'pe": "ping"}'))
        assert sock.read_json()["type"] == "result"
    finally:
        for sock in sockets:
            sock.close()
    assert target.seq() == before


def _closes_with(target, data: bytes, expected: set[int], *, then: bytes = b"") -> None:
    sock = RawSocket(target.server.port)
    try:
        assert sock.read_json()["type"] == "hello"
        sock.send(data)
        if then:
            sock.send(then)
        assert sock.read_close() in expected
        COUNT["n"] += 1
    finally:
        sock.close()


def test_protocol_violations_close_with_the_right_code(target):
    before = target.seq()
    for _ in range(20):
        _closes_with(target, frame(TEXT, b'{"id": 1, "type": "ping", "x": "\xff\xfe"}'), {1007})  # bad UTF-8
        _closes_with(target, frame(TEXT, b"\xc3\x28"), {1007})
        _closes_with(target, frame(TEXT, b"", claimed_length=10 * 2**20), {1009})  # huge
        _closes_with(target, frame(TEXT, b'{"id":1,"type":"ping"}', mask=False), {1002})  # unmasked
        _closes_with(target, frame(0x3, b"x"), {1002})  # bad opcode
        _closes_with(target, frame(TEXT, b"{}", rsv=0b100), {1002})  # rsv bits
        _closes_with(target, frame(PING, b"x" * 200), {1002})  # long ping
        _closes_with(target, frame(CONTINUATION, b"orphan"), {1002})
    # over the soft limit but under the hard one: an error reply, the connection stays
    sock = RawSocket(target.server.port)
    try:
        assert sock.read_json()["type"] == "hello"
        big = json.dumps({"id": 5, "type": "ping", "pad": "x" * 200_000}).encode()
        sock.send(frame(TEXT, big))
        assert sock.read_json()["code"] == "message_too_large"
        deep = ("[" * 60_000 + "]" * 60_000).encode()
        sock.send(frame(TEXT, deep))
        assert sock.read_json()["code"] == "invalid_json"
        deep_objects = ('{"a":' * 20_000 + "1" + "}" * 20_000).encode()
        sock.send(frame(TEXT, deep_objects))
        assert sock.read_json()["code"] == "invalid_json"
        sock.send(text({"id": 6, "type": "ping"}))
        assert sock.read_json()["type"] == "result"
        COUNT["n"] += 4
    finally:
        sock.close()
    assert target.seq() == before


def test_slow_senders_are_cut_off(target):
    """A partial frame trickled byte by byte, and a silent connection: closed at the login timeout (1008)."""
    started = time.monotonic()
    slow = RawSocket(target.server.port)
    silent = RawSocket(target.server.port)
    try:
        assert slow.read_json()["type"] == "hello" and silent.read_json()["type"] == "hello"
        partial = text({"id": 1, "type": "ping"})
        for byte in partial[:-1]:
            slow.send(bytes([byte]))
            time.sleep(0.2)
            if time.monotonic() - started > 3.5:
                break
        assert slow.read_close() == 1008
        assert silent.read_close() == 1008
        assert time.monotonic() - started < 10
        COUNT["n"] += 2
    finally:
        slow.close()
        silent.close()


def test_flood_past_the_rate_limit_is_closed_with_1008(tmp_path):
    """With the shipped rate limits (20/s, burst 60): a flood gets ``rate_limited`` and then 1008."""
    from tests.faults.helpers import BranchFiles, ServerProcess

    files = BranchFiles.make(tmp_path, server={"rate_per_second": 20.0, "rate_burst": 60})
    server = ServerProcess(
        files, f"sqlite:///{tmp_path / 'flood.db'}", log_path=tmp_path / "flood.log"
    ).start()
    server.wait_listening()
    try:
        sock = RawSocket(server.port)
        assert sock.read_json()["type"] == "hello"
        sock.send(b"".join(text({"id": i, "type": "ping"}) for i in range(500)))
        codes: list[str] = []
        while True:
            opcode, payload = sock.read()
            if opcode == 0x8:
                assert int.from_bytes(payload[:2], "big") == 1008
                break
            codes.append(json.loads(payload).get("code", "ok"))
        assert codes.count("ok") >= 55 and codes.count("rate_limited") == 20
        COUNT["n"] += 500
        sock.close()
        with SyncClient(server.url) as other:  # the server is fine for everyone else
            assert other.request("ping")["type"] == "result"
    finally:
        assert server.stop() == 0


def test_at_least_ten_thousand_hostile_messages(target):
    """Runs last in this module: the total across the tests above, and the server is still up."""
    assert COUNT["n"] >= 10_000, COUNT
    with SyncClient(target.server.url) as client:
        assert client.request("ping")["type"] == "result"
