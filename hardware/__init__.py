"""Dawr hardware layer: ticket rendering and printing, QR scanners, hall announcements.

Modules: ``printout`` (the ticket data), ``render`` (QPainter → 1-bit image), ``printing`` (python-escpos,
printer URLs, status, the print service), ``scanner`` (serial, keyboard wedge, camera), ``announcer``
(chime + espeak-ng), ``errors`` (the exception tree), ``cli`` (``dawr ticket …``). See docs/hardware.md.
"""
