"""Random and malformed frames: the server answers every one, stays up, and refused ones write nothing."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.protocol.messages import EXAMPLE_REQUESTS, REQUESTS
from server.testing import ServerThread, SyncClient

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=60),
    st.sampled_from(
        [
            "",
            "\u0000",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "\u202e\u0645\u0631\u062d\u0628\u0627",
            "A001",
            "20261122-C001",
            "inquiry",
            "supervisor",
            "\ud800",
            "x" * 5000,
            "../../etc/passwd",
        ]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)
FIELD_NAMES = sorted({k for example in EXAMPLE_REQUESTS.values() for k in example} | {"extra", "__proto__"})


@st.composite
def requests(draw):
    """A request-shaped object: a real type (or not), real field names with random values, random extras."""
    kind = draw(st.one_of(st.sampled_from(sorted(REQUESTS)), st.text(max_size=12)))
    base = dict(EXAMPLE_REQUESTS.get(kind, {"type": kind}))
    for name in draw(st.lists(st.sampled_from(FIELD_NAMES), max_size=4)):
        base[name] = draw(VALUES)
    if draw(st.booleans()):
        base.pop(draw(st.sampled_from(sorted(base))), None)
    base["id"] = draw(st.one_of(st.integers(min_value=0, max_value=10**6), st.text(min_size=1, max_size=10)))
    return base


FRAMES = st.one_of(
    requests().map(
        lambda r: (
            json.dumps(r, ensure_ascii=False).encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        )
    ),
    st.text(max_size=200),
    st.binary(max_size=200),
    VALUES.map(lambda v: json.dumps(v)),
)


def test_random_frames_are_answered_and_refusals_write_nothing():
    # abuse limits are tested on their own (test_live); here every frame must get its answer
    relaxed = {"rate_per_second": 10000.0, "rate_burst": 100000, "max_login_failures": 100}
    with ServerThread(server_settings=relaxed) as hall:
        kiosk = SyncClient(hall.url)
        kiosk.login_device(hall.device_tokens["kiosk-1"])
        counter = SyncClient(hall.url)
        counter.login("sara", hall.passwords["sara"], 3)
        anonymous = SyncClient(hall.url)
        clients = [kiosk, counter, anonymous]
        answered = {"n": 0}

        @settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        @given(st.sampled_from([0, 1, 2]), FRAMES)
        def check(which, frame):
            client = clients[which]
            before = hall.journal_seq()
            client.send_raw(frame)
            reply = client._recv_json()
            while reply.get("type") not in ("result", "error"):
                client._note(reply)
                reply = client._recv_json()
            answered["n"] += 1
            if reply["type"] == "error":
                assert hall.journal_seq() == before, (frame, reply)
                assert reply["code"] and reply["message"]

        check()
        assert answered["n"] >= 250
        for client in clients:
            assert client.request("ping")["type"] == "result"
        fresh = SyncClient(hall.url)
        assert fresh.request("ping")["type"] == "result"
        for client in (*clients, fresh):
            client.close()
