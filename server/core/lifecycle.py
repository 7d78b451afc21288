"""Everything that decides which state a ticket or a counter may move to lives here.

Ticket lifecycle (one row per command; "from" states on the left, the state after on the right):

    command        from                                   to
    -------------  -------------------------------------  -----------
    issue/check-in (new)                                   waiting
    call           waiting, transferred                   called
    recall         called                                 called
    start          called                                 serving
    no_show        called                                 no_show
    reinstate      no_show (within the window)            waiting
    park           serving                                parked
    resume         parked                                 serving
    transfer       serving                                transferred
    finish         serving                                done
    cancel         waiting, transferred, called, parked,  cancelled
                   no_show
    day_end        any state that is not final            cancelled

``transferred`` is waiting in another queue (a service or one counter); it is called like ``waiting``.

Counter lifecycle:

    command   from            to
    --------  --------------  ------
    open      closed          open
    pause     open            paused     (only with no customer at the counter)
    resume    paused          open
    close     open, paused    closed     (only with no customer at the counter)
"""

from __future__ import annotations

from enum import StrEnum


class TicketState(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    PARKED = "parked"
    TRANSFERRED = "transferred"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class CounterState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    PAUSED = "paused"


T = TicketState
TICKET_TRANSITIONS: dict[str, tuple[frozenset[TicketState], TicketState]] = {
    "call": (frozenset({T.WAITING, T.TRANSFERRED}), T.CALLED),
    "recall": (frozenset({T.CALLED}), T.CALLED),
    "start": (frozenset({T.CALLED}), T.SERVING),
    "no_show": (frozenset({T.CALLED}), T.NO_SHOW),
    "reinstate": (frozenset({T.NO_SHOW}), T.WAITING),
    "park": (frozenset({T.SERVING}), T.PARKED),
    "resume": (frozenset({T.PARKED}), T.SERVING),
    "transfer": (frozenset({T.SERVING}), T.TRANSFERRED),
    "finish": (frozenset({T.SERVING}), T.DONE),
    "cancel": (frozenset({T.WAITING, T.TRANSFERRED, T.CALLED, T.PARKED, T.NO_SHOW}), T.CANCELLED),
    "day_end": (frozenset({T.WAITING, T.TRANSFERRED, T.CALLED, T.SERVING, T.PARKED, T.NO_SHOW}), T.CANCELLED),
}
"""command -> (states it may start from, state it leads to)."""

FINAL_TICKET_STATES = frozenset({T.DONE, T.CANCELLED})
WAITING_STATES = frozenset({T.WAITING, T.TRANSFERRED})
AT_COUNTER_STATES = frozenset({T.CALLED, T.SERVING})

C = CounterState
COUNTER_TRANSITIONS: dict[str, tuple[frozenset[CounterState], CounterState]] = {
    "open": (frozenset({C.CLOSED}), C.OPEN),
    "pause": (frozenset({C.OPEN}), C.PAUSED),
    "resume": (frozenset({C.PAUSED}), C.OPEN),
    "close": (frozenset({C.OPEN, C.PAUSED}), C.CLOSED),
}
"""command -> (counter states it may start from, state it leads to)."""


def ticket_target(command: str, current: TicketState) -> TicketState | None:
    """The state ``command`` moves a ticket in ``current`` to, or None if the table forbids it."""
    sources, target = TICKET_TRANSITIONS[command]
    return target if current in sources else None


def counter_target(command: str, current: CounterState) -> CounterState | None:
    """The state ``command`` moves a counter in ``current`` to, or None if the table forbids it."""
    sources, target = COUNTER_TRANSITIONS[command]
    return target if current in sources else None
