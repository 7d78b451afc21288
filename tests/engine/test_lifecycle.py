"""The lifecycle tables are the one place the operations are named: the protocol, the engine's command
classes and who may send what all agree with ``server/core/lifecycle.py``."""

from __future__ import annotations

import typing

from server.core import engine
from server.core.lifecycle import (
    COMMAND_ROLES,
    COUNTER_TRANSITIONS,
    TICKET_TRANSITIONS,
    Command,
    CounterState,
    TicketState,
    counter_commands,
    ticket_commands,
)
from server.protocol.messages import ALLOWED_ROLES


def test_every_command_is_a_protocol_request_sent_by_the_roles_the_table_names() -> None:
    for command in Command:
        assert command.value in ALLOWED_ROLES, command
        assert ALLOWED_ROLES[command.value] == COMMAND_ROLES[command], command


def test_every_engine_command_class_carries_its_one_name() -> None:
    classes = typing.get_args(engine.EngineCommand)
    assert sorted(cls.command for cls in classes) == sorted(Command)
    assert engine.StartService.command is Command.START_SERVICE


def test_every_ticket_and_counter_command_has_one_row() -> None:
    assert set(TICKET_TRANSITIONS).isdisjoint(COUNTER_TRANSITIONS)
    assert set(TICKET_TRANSITIONS) | set(COUNTER_TRANSITIONS) | {Command.IMPORT_APPOINTMENTS} == set(Command)


def test_what_a_role_may_do_in_a_state() -> None:
    assert ticket_commands(TicketState.CALLED, "counter") == (
        Command.RECALL,
        Command.START_SERVICE,
        Command.NO_SHOW,
        Command.CANCEL,
    )
    assert ticket_commands(TicketState.SERVING, "supervisor") == (
        Command.PARK,
        Command.TRANSFER,
        Command.FINISH,
    )
    assert ticket_commands(TicketState.DONE, "supervisor") == ()
    assert ticket_commands(TicketState.WAITING, "kiosk") == ()  # a kiosk only creates tickets
    assert counter_commands(CounterState.OPEN, "counter") == (Command.PAUSE_COUNTER, Command.CLOSE_COUNTER)
    assert counter_commands(CounterState.CLOSED, "board") == ()
