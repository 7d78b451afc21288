"""The counter client's wording: the gettext domain ``counter`` (``server/i18n/locale/*/counter.po``),
plus the words every part shares from ``common``. Keys are stable dotted names; the translator edits only
the catalogues. Here live the small helpers that turn figures into words (states, reasons, times)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from qtkit.i18n import Language
from server import i18n

DOMAIN = "counter"

StateKind = Literal["ticket", "counter"]


def text(key: str, lang: Language, **values: object) -> str:
    """The wording of ``key`` (domain ``counter``) in ``lang``, placeholders filled."""
    return i18n.text(DOMAIN, key, lang, **values)


def common(key: str, lang: Language, **values: object) -> str:
    """A wording every part shares (domain ``common``)."""
    return i18n.text("common", key, lang, **values)


def has(key: str) -> bool:
    """Whether the catalogue has ``key`` (for names the server sends, e.g. a device part)."""
    return i18n.has(DOMAIN, key)


def language_switch(lang: Language) -> str:
    """The language button's caption while showing ``lang``: the other language's own name."""
    return common("language.name", "en" if lang == "ar" else "ar")


def state_name(state: str, lang: Language, kind: StateKind = "ticket") -> str:
    """A ticket's or a counter's state in words (the code itself if the catalogue has no name for it)."""
    key = f"{kind}_state.{state}"
    return text(key, lang) if has(key) else state


def joined_states(states: Iterable[str], lang: Language, kind: StateKind) -> str:
    """State names joined with "or"."""
    return text("join.or", lang).join(state_name(s, lang, kind) for s in states)


def reason_text(reason: str, values: Mapping[str, object], lang: Language) -> str:
    """A disabled action's reason (``model.Availability``) as a sentence."""
    filled = dict(values)
    kinds: dict[str, StateKind] = {"why.ticket_state": "ticket", "why.counter_state": "counter"}
    if reason in kinds:
        kind = kinds[reason]
        filled["state"] = state_name(str(values.get("state", "")), lang, kind)
        allowed = values.get("allowed", ())
        filled["allowed"] = joined_states(
            [str(s) for s in allowed] if isinstance(allowed, Iterable) else [], lang, kind
        )
    return text(reason, lang, **filled)


def clock_text(seconds: float) -> str:
    """``m:ss`` of a non-negative number of seconds."""
    whole = int(abs(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def minutes_text(seconds: float | None, lang: Language) -> str:
    """Whole minutes ("12 min"), or a dash when unknown."""
    if seconds is None:
        return "—"
    return text("minutes.short", lang, n=int(seconds // 60))
