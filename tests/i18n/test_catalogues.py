"""The wording catalogues (server/i18n): both languages have every message with the same placeholders,
Arabic plurals have their six forms, the compiled .mo files are fresh, and no Python file of the product
holds Arabic text outside the catalogue loader and the Arabic grammar helpers."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from server.i18n import DOMAINS, LANGUAGES, LOCALE_DIR, MissingMessage, both, plural, text
from server.i18n.build import stale_catalogues

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("server", "hardware", "kiosk", "display_board", "counter_client", "qtkit")
ARABIC_ALLOWED = {
    "server/i18n/__init__.py",  # the catalogue loader
    "hardware/arabic.py",  # Arabic grammar for speech and number agreement (number words, diacritics)
}
ARABIC_LETTER = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
PLURAL_FORMS = {"ar": 6, "en": 2}


def _messages(domain: str, lang: str) -> dict[str, str | tuple[str, ...]]:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    found: dict[str, str | tuple[str, ...]] = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple | list) else message.id
        found[key] = tuple(message.string) if isinstance(message.string, tuple | list) else message.string
    return found


def _placeholders(wording: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(wording) if field is not None}


@pytest.mark.parametrize("domain", DOMAINS)
def test_both_languages_have_every_message_with_the_same_placeholders(domain: str) -> None:
    arabic, english = _messages(domain, "ar"), _messages(domain, "en")
    assert set(arabic) == set(english), (
        f"only Arabic: {sorted(set(arabic) - set(english))}; only English: {sorted(set(english) - set(arabic))}"
    )
    for key in arabic:
        ar, en = arabic[key], english[key]
        assert isinstance(ar, tuple) == isinstance(en, tuple), (
            f"{domain}:{key} is plural in one language only"
        )
        forms = {"ar": ar if isinstance(ar, tuple) else (ar,), "en": en if isinstance(en, tuple) else (en,)}
        for lang, wordings in forms.items():
            assert all(wordings), f"{domain}:{key} has an empty {lang} wording"
            if isinstance(ar, tuple):
                assert len(wordings) == PLURAL_FORMS[lang], (
                    f"{domain}:{key} needs {PLURAL_FORMS[lang]} {lang} forms"
                )
        wanted = _placeholders(forms["en"][-1])
        for lang, wordings in forms.items():
            for wording in wordings:
                extra = _placeholders(wording) - wanted - {"count"}
                assert not extra, f"{domain}:{key} ({lang}) has placeholders {extra} the English lacks"
        for wording in forms["ar"][-1:]:
            assert _placeholders(wording) == wanted, f"{domain}:{key}: Arabic and English placeholders differ"
        assert any(ARABIC_LETTER.search(w) for w in forms["ar"]) or not any(
            ch.isalpha() for w in forms["en"] for ch in w
        ), f"{domain}:{key}: the Arabic wording has no Arabic in it"


def test_compiled_catalogues_are_fresh() -> None:
    assert stale_catalogues() == [], "run: python -m server.i18n.build"


def test_every_language_has_every_domain() -> None:
    for lang in LANGUAGES:
        for domain in DOMAINS:
            assert (LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po").exists()


def test_no_python_file_of_the_product_holds_arabic_text() -> None:
    holders = []
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative in ARABIC_ALLOWED:
                continue
            lines = [
                n
                for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if ARABIC_LETTER.search(line)
            ]
            if lines:
                holders.append(f"{relative}:{lines[0]} ({len(lines)} lines)")
    assert not holders, "Arabic text belongs in server/i18n/locale: " + ", ".join(holders)


def test_lookups_fill_placeholders_and_refuse_unknown_keys() -> None:
    with pytest.raises(MissingMessage):
        text("common", "no.such.key", "ar")
    with pytest.raises(MissingMessage):
        plural("common", "no.such.key", 3, "en")
    with pytest.raises(MissingMessage):
        both("no-such-domain", "x")
