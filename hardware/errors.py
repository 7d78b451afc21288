"""Errors raised by the hardware layer, drawn as one tree.

::

    HardwareError                  base of everything below; ``str(err)`` is a one-line, human message
    ├── PrinterUrlError            a printer URL that cannot be understood (also a ValueError)
    ├── PrinterProfileError        an unknown printer model, or one that cannot print raster images
    │                              (also a ValueError)
    ├── TicketDataError            a TicketPrintout with impossible values (also a ValueError)
    └── PrintError                 a print job that could not be delivered (device missing, I/O error,
                                   timeout); the kiosk shows "please take a photo of the screen" instead

Printing never raises to the UI thread: :class:`hardware.printing.PrintService` turns ``PrintError`` into a
failed :class:`hardware.printing.PrintResult`. Scanners and the announcer never raise after start: they
report through their ``stateChanged`` / ``failed`` signals and log.
"""

from __future__ import annotations


class HardwareError(Exception):
    """Base class for every error raised by ``hardware``."""


class PrinterUrlError(HardwareError, ValueError):
    """A printer URL such as ``usb:04b8:0202`` could not be parsed; the message says what is expected."""


class PrinterProfileError(HardwareError, ValueError):
    """An unknown printer profile (model) or one that cannot print raster images."""


class TicketDataError(HardwareError, ValueError):
    """A :class:`hardware.printout.TicketPrintout` was built with impossible values."""


class PrintError(HardwareError):
    """A print job could not be delivered to the printer (not found, I/O error, timeout)."""
