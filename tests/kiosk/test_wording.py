"""The kiosk's wording comes from the catalogues: every key the screens ask for exists in both languages,
and the catalogue plurals agree with the number exactly as the Arabic grammar helper does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hardware.arabic import arabic_count, arabic_minutes, english_minutes
from kiosk.texts import TEXTS, language_switch, minutes, people, texts_for
from server.i18n import LANGUAGES, has

KIOSK = Path(__file__).resolve().parents[2] / "kiosk"
KEY = re.compile(r'"([a-z_]+(?:\.[a-z_]+)+)"')
NOT_KIOSK_KEYS = {"dawr.kiosk", "error.numbers_exhausted"}  # the logger's name; the server's own wording
COMMON_KEYS = {"branch.closed_now", "language.name", "country.name", "ticket.hotline_line"}
PRINTER_STATES = ("ready", "paper_near_end", "paper_out", "cover_open", "offline", "unknown", "none")


def _keys_in_code() -> set[str]:
    """Every dotted message key written in the kiosk's code (``ctx.t("home.prompt")`` and the like)."""
    found: set[str] = set()
    for path in KIOSK.glob("*.py"):
        found |= set(KEY.findall(path.read_text(encoding="utf-8")))
    return found - NOT_KIOSK_KEYS


def test_every_key_the_kiosk_asks_for_is_in_both_catalogues() -> None:
    keys = _keys_in_code() - COMMON_KEYS | {f"printer.{state}" for state in PRINTER_STATES}
    assert len(keys) > 80, sorted(keys)  # the scan found the screens' keys
    missing = [(key, lang) for key in sorted(keys) for lang in LANGUAGES if not has("kiosk", key, lang)]
    assert not missing, missing
    assert _keys_in_code() >= COMMON_KEYS
    for key in COMMON_KEYS:
        assert all(has("common", key, lang) for lang in LANGUAGES), key


@pytest.mark.parametrize("n", [*range(1, 250), 1000, 1001, 1002, 1003, 1011, 1100])
def test_plurals_agree_with_the_number_like_the_arabic_grammar(n: int) -> None:
    assert people(n, "ar") == arabic_count(n, "شخص واحد", "شخصان", "أشخاص", "شخص", "شخصًا")
    assert people(n, "en") == ("1 person" if n == 1 else f"{n} people")
    assert minutes(n, "ar") == TEXTS.get("wait.about", "ar", minutes=arabic_minutes(n))
    assert minutes(n, "en") == f"about {english_minutes(n)}"


def test_digits_and_the_language_switch() -> None:
    assert people(0, "ar") == "لا أحد" and people(0, "en") == "nobody"
    assert minutes(0.2, "en") == "almost none" and minutes(None, "ar") == "غير متاح الآن"
    assert minutes(11, "ar", texts_for("arabic-indic")) == "حوالي ١١ دقيقة"
    assert texts_for("arabic-indic").get("ticket.ahead", "en", people="3 people") == "Ahead of you: 3 people"
    assert (language_switch("ar"), language_switch("en")) == ("English", "العربية")
    assert TEXTS.common("branch.closed_now", "en") == "The branch is closed now"
