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

from hardware.arabic import AR_MONTHS, AR_WEEKDAYS, arabic_minutes, format_time_ar, format_time_en
from qtkit.i18n import Language, Texts, localize_digits, other

from .state import BoardState, Highlight

TEXTS = Texts(
    {
        "now_calling": ("النداء الحالي", "Now calling"),
        "recent": ("النداءات السابقة", "Recent calls"),
        "waiting": ("الانتظار", "Waiting"),
        "ticket": ("التذكرة", "Ticket"),
        "counter": ("الشباك", "Counter"),
        "people": ("منتظرون", "waiting"),
        "estimate": ("الانتظار المتوقع", "expected wait"),
        "no_wait": ("بلا انتظار", "no wait"),
        "minutes": ("{minutes} دقيقة", "{minutes} min"),
        "not_now": ("غير متاحة الآن", "not available now"),
        "recall": ("نداء مكرر", "Second call"),
        "no_calls": ("بانتظار النداء التالي", "Waiting for the next call"),
        "closed": ("الفرع مغلق الآن", "The branch is closed now"),
        "reconnecting": ("جارٍ إعادة الاتصال", "Reconnecting"),
        "connecting": ("جارٍ الاتصال بالخادم", "Connecting to the server"),
        "hotline": (
            "لحجز موعد اتصل بمركز الاتصال الوطني {hotline}",
            "To book an appointment, call the National Contact Centre on {hotline}",
        ),
        "keep_ticket": (
            "يرجى الاحتفاظ بالتذكرة حتى إتمام المعاملة",
            "Please keep your ticket until your transaction is complete",
        ),
        "listen": (
            "انتبه للنداء ورقم الشباك على الشاشة",
            "Listen for your number and watch the screen for your counter",
        ),
    }
)
"""The board's wording, Arabic first."""

EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


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
    """``الأحد 22 نوفمبر 2026`` / ``Sunday 22 November 2026``."""
    if lang == "ar":
        return f"{AR_WEEKDAYS[moment.weekday()]} {moment.day} {AR_MONTHS[moment.month - 1]} {moment.year}"
    return f"{EN_WEEKDAYS[moment.weekday()]} {moment.day} {EN_MONTHS[moment.month - 1]} {moment.year}"


def _bi(key: str, lang: Language, **values: object) -> Bilingual:
    return Bilingual(TEXTS.get(key, lang, **values), TEXTS.get(key, other(lang), **values))


def _minutes(minutes: int, lang: Language, digits: str) -> str:
    """A short estimate under the heading "expected wait": ``9 دقائق`` / ``9 min``."""
    if lang == "ar":
        return localize_digits(arabic_minutes(minutes), digits)
    return TEXTS.get("minutes", "en", minutes=minutes)


def _digits(text: str, lang: Language, digits: str) -> str:
    return localize_digits(text, digits) if lang == "ar" else text


def ticker_messages(state: BoardState, extra: Sequence[tuple[str, str]] = ()) -> tuple[str, ...]:
    """The ticker's messages, each in Arabic then English: the hotline and the branch's notices (from the
    branch config the server sends), then ``extra`` (the board's ``--ticker`` file), then the standing
    "keep your ticket" notice."""
    hotline = state.branch.hotline if state.branch else ""
    digits = state.branch.digits if state.branch else "western"
    items: list[tuple[str, str]] = []
    if hotline:
        items.append(
            (TEXTS.get("hotline", "ar", hotline=hotline), TEXTS.get("hotline", "en", hotline=hotline))
        )
    items.extend(state.branch.notices if state.branch else ())
    items.extend(extra)
    items.append((TEXTS.get("keep_ticket", "ar"), TEXTS.get("keep_ticket", "en")))
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
        connection = _bi("reconnecting" if state.loaded else "connecting", lang)
    rows = tuple(
        NowRow(
            ticket=call.number,
            counter=_digits(str(call.counter), lang, digits),
            highlight=state.highlight(call, now),
            recall=_bi("recall", lang) if call.recall else None,
        )
        for call in state.now_calling()
    )
    empty = None
    if not rows:
        empty = _bi("closed", lang) if state.loaded and not state.open else _bi("no_calls", lang)
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
            estimate = _bi("not_now", lang)
        elif service.waiting == 0 or not service.wait_minutes:
            estimate = _bi("no_wait", lang)
        else:
            minutes = service.wait_minutes
            estimate = Bilingual(_minutes(minutes, lang, digits), _minutes(minutes, other(lang), digits))
        count = localize_digits(str(service.waiting), digits) if lang == "ar" else str(service.waiting)
        waiting.append(WaitRow(name=name, count=count, estimate=estimate))
    headings = {
        key: _bi(key, lang)
        for key in ("now_calling", "recent", "waiting", "ticket", "counter", "people", "estimate")
    }
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
