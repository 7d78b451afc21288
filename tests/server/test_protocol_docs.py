"""docs/protocol.md documents every request type (with its example), every protocol error code, and the
payload models of server/protocol/payloads.py (snapshot keys, counter view, ticket info, replies, the
structured call reason)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from server.protocol import messages as p
from server.protocol import payloads as pl
from server.protocol.messages import ERROR_CODES, EXAMPLE_REQUESTS, REQUESTS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text(encoding="utf-8")


def test_every_request_type_has_a_section_and_its_example():
    for name in REQUESTS:
        assert f"### `{name}`" in DOC, name
        assert json.dumps(EXAMPLE_REQUESTS[name], ensure_ascii=False) in DOC, name


def test_every_error_code_with_a_translation_is_documented():
    for code in ERROR_CODES:
        assert f"`{code}`" in DOC, code


def _section(title: str) -> str:
    start = DOC.index(title)
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end >= 0 else len(DOC)]


def test_the_documented_call_reason_is_the_model() -> None:
    example = re.search(r'"call": (\{[^{}]*\})', DOC)
    assert example is not None
    call = pl.CallReason.model_validate_json(example[1])
    assert set(json.loads(example[1])) == set(pl.CallReason.model_fields)
    assert call.rule == "weighted_wait" and call.scores == [("inquiry", 3.217)]
    for name in pl.CallReason.model_fields:
        assert f"`{name}`" in DOC, name
    assert '"detail"' not in _section("### Snapshot `data` per role")  # no prose in the call reason


def test_every_snapshot_key_of_every_role_is_in_the_table() -> None:
    table = _section("### Snapshot `data` per role")
    for role, model in p.SNAPSHOTS.items():
        data_model = model.model_fields["data"].annotation
        assert isinstance(data_model, type)
        for key in data_model.model_fields:
            assert f"`{key}`" in table, f"{role}: {key}"


def test_the_counter_view_and_ticket_info_fields_are_documented() -> None:
    view = _section("**Counter view**")
    for key in pl.CounterViewData.model_fields:
        assert re.search(rf"\b{key}\b", view), key
    for key in set(pl.CurrentTicket.model_fields) - set(pl.StaffTicket.model_fields):
        assert f"`{key}`" in view, key
    results = _section("### Results of ticket requests")
    for key in pl.TicketInfo.model_fields:
        assert re.search(rf"\b{key}\b", results), key


def test_each_documented_reply_names_the_fields_of_its_model() -> None:
    for name in REQUESTS:
        start = DOC.index(f"### `{name}`")
        section = DOC[start : DOC.index("\n### ", start + 1)]
        reply = re.search(r"Reply: `(\{[^`]*\})`", section)
        if reply is None:
            continue
        model = pl.REPLY_MODELS[name]
        named = set(re.findall(r'"(\w+)"', reply[1]))
        if issubclass(model, pl.Sparse):  # keys sent only when they apply (a counter command's "ticket")
            assert named <= set(model.model_fields), name
        else:
            assert named == set(model.model_fields), name
