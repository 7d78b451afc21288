"""What the board shows, computed from its state: ``board_model(state, lang, ...)`` → ``BoardModel``.

Pure Python (no Qt): every string on the screen, in the order and language it is drawn, with the
highlight of each "now calling" row. The view only paints a ``BoardModel``; tests and the benchmark read
the one the view last painted (``BoardView.shown``) to know what a citizen sees.

``lang`` is the *primary* language of the layout (Arabic: right-to-left, Arabic wording large, English
small beneath; English: the mirror image). Both languages are on the screen at all times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hardware.arabic import format_time_ar, format_time_en
from qtkit.i18n import Language, localize_digits, other
from server.i18n import both, month_name, plural, text, weekday_name

from .state import BoardState, Highlight

DOMAIN = "board"
"""The board's wording catalogue (``server/i18n/locale/<lang>/LC_MESSAGES/board.po``)."""

HEADINGS = {
    "now_calling": "heading.now_calling",
    "recent": "heading.recent",
    "waiting": "heading.waiting",
    "ticket": "heading.ticket",
    "counter": "heading.counter",
    "people": "heading.people",
    "estimate": "heading.estimate",
}
"""``BoardModel.headings`` key -> its catalogue key."""


@dataclass(frozen=True, slots=True)
class Bilingual:
    """One piece of wording: ``primary`` drawn large, ``secondary`` (the other language) small."""

    primary: str
    secondary: str


@dataclass(frozen=True, slots=True)
class NowRow:
    """A "ticket → counter" row under "Now calling"."""

    ticket: str
    counter: str
    highlight: Highlight
    recall: Bilingual | None


@dataclass(frozen=True, slots=True)
class RecentItem:
    """A "ticket → counter" entry under "Recent calls"."""

    ticket: str
    counter: str


@dataclass(frozen=True, slots=True)
class WaitRow:
    """A service under "Waiting": its names, people waiting and the estimate (both languages)."""

    name: Bilingual
    count: str
    estimate: Bilingual


@dataclass(frozen=True, slots=True)
class BoardModel:
    """Everything on the screen at one moment (see the module docstring)."""

    lang: Language
    branch: Bilingual
    time: str
    date: Bilingual
    connection: Bilingual | None
    """``None`` when connected; else the discreet "reconnecting" notice."""
    headings: dict[str, Bilingual] = field(default_factory=dict)
    now_calling: tuple[NowRow, ...] = ()
    empty: Bilingual | None = None
    """Shown instead of the rows when there are none (no calls yet, or branch closed)."""
    recent: tuple[RecentItem, ...] = ()
    waiting: tuple[WaitRow, ...] = ()
    stale: bool = False
    """True while offline: counts and estimates are drawn dimmed."""
    ticker: tuple[str, ...] = ()

    @property
    def rtl(self) -> bool:
        """True for the Arabic (right-to-left) layout."""
        return self.lang == "ar"

    def calling_tickets(self) -> list[tuple[str, str]]:
        """(ticket, counter) pairs under "Now calling", top first (what tests and the benchmark read)."""
        return [(row.ticket, row.counter) for row in self.now_calling]


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Bahrain")


def format_date(moment: datetime, lang: Language) -> str:
    """Weekday, day, month name and year (``Sunday 22 November 2026``), Western digits."""
    return (
        f"{weekday_name(moment.weekday(), lang)} {moment.day} {month_name(moment.month, lang)} {moment.year}"
    )


def _bi(key: str, lang: Language, *, domain: str = DOMAIN) -> Bilingual:
    """Message ``key`` of ``domain``: in ``lang`` (primary), then in the other language."""
    return Bilingual(text(domain, key, lang), text(domain, key, other(lang)))


def _minutes(minutes: int, lang: Language, digits: str) -> str:
    """A short estimate under the heading "expected wait" (``9 min``; Arabic agrees with the number)."""
    wording = plural(DOMAIN, "wait.minutes", minutes, lang)
    return localize_digits(wording, digits) if lang == "ar" else wording


def _digits(number: str, lang: Language, digits: str) -> str:
    return localize_digits(number, digits) if lang == "ar" else number


def ticker_messages(state: BoardState, extra: Sequence[tuple[str, str]] = ()) -> tuple[str, ...]:
    """The ticker's messages, each in Arabic then English: the hotline and the branch's notices (from the
    branch config the server sends), then ``extra`` (the board's ``--ticker`` file), then the standing
    "keep your ticket" notice."""
    hotline = state.branch.hotline if state.branch else ""
    digits = state.branch.digits if state.branch else "western"
    items: list[tuple[str, str]] = []
    if hotline:
        items.append(both(DOMAIN, "ticker.hotline", hotline=hotline))
    items.extend(state.branch.notices if state.branch else ())
    items.extend(extra)
    items.append(both(DOMAIN, "ticker.keep_ticket"))
    out: list[str] = []
    for arabic, english in items:
        out.extend((localize_digits(arabic, digits), english))
    return tuple(out)


def board_model(
    state: BoardState, lang: Language, *, now: float | None = None, ticker: Sequence[str] = ()
) -> BoardModel:
    """The screen for ``state`` in layout language ``lang`` at local monotonic time ``now``."""
    branch = state.branch
    digits = branch.digits if branch else "western"
    local = state.server_now().astimezone(_zone(branch.timezone if branch else "Asia/Bahrain"))
    time_text = localize_digits(format_time_ar(local), digits) if lang == "ar" else format_time_en(local)
    date = Bilingual(
        localize_digits(format_date(local, lang), digits) if lang == "ar" else format_date(local, lang),
        format_date(local, other(lang))
        if lang == "ar"
        else localize_digits(format_date(local, "ar"), digits),
    )
    names = (
        Bilingual(*((branch.name_ar, branch.name_en) if lang == "ar" else (branch.name_en, branch.name_ar)))
        if branch
        else Bilingual("", "")
    )
    connection = None
    if not state.connected:
        connection = _bi("link.reconnecting" if state.loaded else "link.connecting", lang)
    rows = tuple(
        NowRow(
            ticket=call.number,
            counter=_digits(str(call.counter), lang, digits),
            highlight=state.highlight(call, now),
            recall=_bi("call.recall", lang) if call.recall else None,
        )
        for call in state.now_calling()
    )
    empty = None
    if not rows:
        empty = (
            _bi("branch.closed_now", lang, domain="common")
            if state.loaded and not state.open
            else _bi("calls.none", lang)
        )
    recent = tuple(
        RecentItem(call.number, _digits(str(call.counter), lang, digits)) for call in state.recent()
    )
    waiting = []
    for service in state.visible_services():
        name = (
            Bilingual(service.name_ar, service.name_en)
            if lang == "ar"
            else Bilingual(service.name_en, service.name_ar)
        )
        if not service.available:
            estimate = _bi("service.not_now", lang)
        elif service.waiting == 0 or not service.wait_minutes:
            estimate = _bi("wait.none", lang)
        else:
            minutes = service.wait_minutes
            estimate = Bilingual(_minutes(minutes, lang, digits), _minutes(minutes, other(lang), digits))
        count = localize_digits(str(service.waiting), digits) if lang == "ar" else str(service.waiting)
        waiting.append(WaitRow(name=name, count=count, estimate=estimate))
    headings = {key: _bi(message, lang) for key, message in HEADINGS.items()}
    return BoardModel(
        lang=lang,
        branch=names,
        time=time_text,
        date=date,
        connection=connection,
        headings=headings,
        now_calling=rows,
        empty=empty,
        recent=recent,
        waiting=tuple(waiting),
        stale=not state.connected,
        ticker=tuple(ticker),
    )
