"""The touchscreen kiosk: walk-in tickets and appointment check-in (``dawr kiosk``; see docs/kiosk.md).

``state`` (plain Python: screens, taps, replies -> effects), ``controller`` (Qt glue to the server client,
printer, scanner and timers), ``widgets`` (the screens), ``texts`` (the wording, from the ``kiosk``
catalogue), ``settings`` (kiosk.toml), ``app`` (building and running one), ``cli`` and ``screenshots``.
"""
