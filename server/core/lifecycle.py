"""Everything that decides which state a ticket or a counter may move to lives here.

``Command`` names every operation once: its value is the protocol's request type (``start_service``), the
engine's command classes carry it (``engine.StartService.command``), and the tables below are keyed by it.

Ticket lifecycle (``TICKET_TRANSITIONS``: "from" states on the left, the state after on the right):

    command                    from                                   to
    -------------------------  -------------------------------------  -----------
    issue_ticket, check_in     (new)                                  waiting
    call_next, call_ticket     waiting, transferred                   called
    recall                     called                                 called
    start_service              called                                 serving
    no_show                    called                                 no_show
    reinstate                  no_show (within the window)            waiting
    park                       serving                                parked
    resume_parked              parked                                 serving
    transfer                   serving                                transferred
    finish                     serving                                done
    cancel                     waiting, transferred, called, parked,  cancelled
                               no_show
    (day end: ``DAY_END``)     any state that is not final            cancelled

``transferred`` is waiting in another queue (a service or one counter); it is called like ``waiting``.

Counter lifecycle (``COUNTER_TRANSITIONS``):

    command          from            to
    ---------------  --------------  ------
    open_counter     closed          open
    pause_counter    open            paused     (only with no customer at the counter)
    resume_counter   paused          open
    close_counter    open, paused    closed     (only with no customer at the counter)
    (day end)        open, paused    closed     (``COUNTER_DAY_END``)

Who may send each command is ``COMMAND_ROLES`` (the protocol's authorization matrix for these requests);
``ticket_commands(state, role)`` and ``counter_commands(state, role)`` answer "what may this role do to a
ticket / a counter in this state".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Generic, TypeVar


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


class Command(StrEnum):
    """One name per operation: the protocol request type that asks for it."""

    ISSUE_TICKET = "issue_ticket"
    CHECK_IN = "check_in"
    CALL_NEXT = "call_next"
    CALL_TICKET = "call_ticket"
    RECALL = "recall"
    START_SERVICE = "start_service"
    NO_SHOW = "no_show"
    REINSTATE = "reinstate"
    PARK = "park"
    RESUME_PARKED = "resume_parked"
    TRANSFER = "transfer"
    FINISH = "finish"
    CANCEL = "cancel"
    OPEN_COUNTER = "open_counter"
    PAUSE_COUNTER = "pause_counter"
    RESUME_COUNTER = "resume_counter"
    CLOSE_COUNTER = "close_counter"
    IMPORT_APPOINTMENTS = "import_appointments"


S = TypeVar("S", TicketState, CounterState)


@dataclass(frozen=True)
class Transition(Generic[S]):
    """One row of a lifecycle table: the states a command may start from and the state it leads to."""

    sources: frozenset[S]
    target: S

    def allows(self, current: S) -> bool:
        """Whether the command may be given in state ``current``."""
        return current in self.sources


T = TicketState
TICKET_TRANSITIONS: Mapping[Command, Transition[TicketState]] = MappingProxyType(
    {
        Command.ISSUE_TICKET: Transition(frozenset(), T.WAITING),
        Command.CHECK_IN: Transition(frozenset(), T.WAITING),
        Command.CALL_NEXT: Transition(frozenset({T.WAITING, T.TRANSFERRED}), T.CALLED),
        Command.CALL_TICKET: Transition(frozenset({T.WAITING, T.TRANSFERRED}), T.CALLED),
        Command.RECALL: Transition(frozenset({T.CALLED}), T.CALLED),
        Command.START_SERVICE: Transition(frozenset({T.CALLED}), T.SERVING),
        Command.NO_SHOW: Transition(frozenset({T.CALLED}), T.NO_SHOW),
        Command.REINSTATE: Transition(frozenset({T.NO_SHOW}), T.WAITING),
        Command.PARK: Transition(frozenset({T.SERVING}), T.PARKED),
        Command.RESUME_PARKED: Transition(frozenset({T.PARKED}), T.SERVING),
        Command.TRANSFER: Transition(frozenset({T.SERVING}), T.TRANSFERRED),
        Command.FINISH: Transition(frozenset({T.SERVING}), T.DONE),
        Command.CANCEL: Transition(
            frozenset({T.WAITING, T.TRANSFERRED, T.CALLED, T.PARKED, T.NO_SHOW}), T.CANCELLED
        ),
    }
)
"""Ticket command -> its ``Transition``. Issuing and checking in create a ticket (no source state)."""

DAY_END: Transition[TicketState] = Transition(
    frozenset({T.WAITING, T.TRANSFERRED, T.CALLED, T.SERVING, T.PARKED, T.NO_SHOW}), T.CANCELLED
)
"""What the branch's local midnight does to every ticket of the old day that is not final."""

FINAL_TICKET_STATES = frozenset({T.DONE, T.CANCELLED})
WAITING_STATES = frozenset({T.WAITING, T.TRANSFERRED})
AT_COUNTER_STATES = frozenset({T.CALLED, T.SERVING})

C = CounterState
COUNTER_TRANSITIONS: Mapping[Command, Transition[CounterState]] = MappingProxyType(
    {
        Command.OPEN_COUNTER: Transition(frozenset({C.CLOSED}), C.OPEN),
        Command.PAUSE_COUNTER: Transition(frozenset({C.OPEN}), C.PAUSED),
        Command.RESUME_COUNTER: Transition(frozenset({C.PAUSED}), C.OPEN),
        Command.CLOSE_COUNTER: Transition(frozenset({C.OPEN, C.PAUSED}), C.CLOSED),
    }
)
"""Counter command -> its ``Transition``."""

COUNTER_DAY_END: Transition[CounterState] = Transition(frozenset({C.OPEN, C.PAUSED}), C.CLOSED)
"""What the branch's local midnight does to every counter that is not closed."""

NEEDS_FREE_COUNTER = frozenset({Command.PAUSE_COUNTER, Command.CLOSE_COUNTER})
"""Counter commands refused while a customer is at the counter (``counter_busy``)."""

_COUNTER_STAFF = frozenset({"counter", "supervisor"})
COMMAND_ROLES: Mapping[Command, frozenset[str]] = MappingProxyType(
    {
        **{command: _COUNTER_STAFF for command in (*TICKET_TRANSITIONS, *COUNTER_TRANSITIONS)},
        Command.ISSUE_TICKET: frozenset({"kiosk"}),
        Command.CHECK_IN: frozenset({"kiosk"}),
        Command.IMPORT_APPOINTMENTS: frozenset({"admin"}),
    }
)
"""Command -> the roles that may send it. A ``counter`` session acts on its own counter only (and may
cancel only the ticket at or parked by it); the server enforces that on top of this table."""


def ticket_target(command: Command, current: TicketState) -> TicketState | None:
    """The state ``command`` moves a ticket in ``current`` to, or None if the table forbids it."""
    transition = TICKET_TRANSITIONS[command]
    return transition.target if transition.allows(current) else None


def counter_target(command: Command, current: CounterState) -> CounterState | None:
    """The state ``command`` moves a counter in ``current`` to, or None if the table forbids it."""
    transition = COUNTER_TRANSITIONS[command]
    return transition.target if transition.allows(current) else None


def may_send(command: Command, role: str) -> bool:
    """Whether a session of ``role`` may send ``command`` at all."""
    return role in COMMAND_ROLES[command]


def ticket_commands(state: TicketState, role: str) -> tuple[Command, ...]:
    """The commands ``role`` may give for a ticket in ``state``, in ``Command`` order."""
    return tuple(c for c, t in TICKET_TRANSITIONS.items() if t.allows(state) and may_send(c, role))


def counter_commands(state: CounterState, role: str) -> tuple[Command, ...]:
    """The commands ``role`` may give for a counter in ``state``, in ``Command`` order (a customer at the
    counter further forbids ``NEEDS_FREE_COUNTER``)."""
    return tuple(c for c, t in COUNTER_TRANSITIONS.items() if t.allows(state) and may_send(c, role))
