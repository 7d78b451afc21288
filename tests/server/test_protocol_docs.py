"""docs/protocol.md documents every request type (with its example) and every protocol error code."""

from __future__ import annotations

import json
from pathlib import Path

from server.protocol.messages import ARABIC, EXAMPLE_REQUESTS, REQUESTS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text(encoding="utf-8")


def test_every_request_type_has_a_section_and_its_example():
    for name in REQUESTS:
        assert f"### `{name}`" in DOC, name
        assert json.dumps(EXAMPLE_REQUESTS[name], ensure_ascii=False) in DOC, name


def test_every_error_code_with_a_translation_is_documented():
    for code in ARABIC:
        assert f"`{code}`" in DOC, code
