"""Thin Qt Widgets over ``counter_client.model``: they show what ``counter_client.presenters`` computed
and forward key presses and clicks.

``CounterWindow(desk, commands, lang)`` is the clerk's screen (``counter.py``), ``SupervisorWindow(hall,
commands, lang)`` the supervisor's (``supervisor.py``); both are a ``StaffWindow`` (``window.py``: the
frame, keys and status line written once) built from the shared ``parts`` and ``dialogs``. ``commands`` is
anything with ``act(action, counter=None, **fields)`` (the session, or a recorder in screenshots); call
``refresh()`` after the state changed. Actions that need a choice (finish, transfer, pause, call a specific
ticket, resume a parked customer) open a ``PickDialog`` kept in ``window.dialog`` until it closes, so tests
can fill it through its own methods.
"""

from .counter import CounterWindow
from .dialogs import PickDialog, transfer_dialog
from .parts import STYLE, ActionPad, TimerView
from .supervisor import SupervisorWindow
from .window import Commands, StaffWindow

__all__ = [
    "STYLE",
    "ActionPad",
    "Commands",
    "CounterWindow",
    "PickDialog",
    "StaffWindow",
    "SupervisorWindow",
    "TimerView",
    "transfer_dialog",
]
