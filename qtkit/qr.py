"""A QR code as a Qt widget: ``QrCodeWidget(text)`` paints crisp black modules on white, square, with the
4-module quiet zone, at whatever size the layout gives it (or ``setFixedSize``). ``qr_matrix(text)``
gives the module matrix alone. The kiosk shows a ticket's status page with it; a board or counter screen
could show any URL the same way."""

from __future__ import annotations

import qrcode
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget


def qr_matrix(text: str) -> list[list[bool]]:
    """The modules of ``text`` as a QR code (error correction M), quiet zone of 4 modules included."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(text)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


class QrCodeWidget(QWidget):
    """Paints ``text`` as a QR code (see the module docstring); ``text()`` returns what it encodes."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = text
        self._matrix = qr_matrix(text) if text else []
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)

    def text(self) -> str:
        """What the code encodes."""
        return self._text

    def sizeHint(self) -> QSize:
        return QSize(320, 320)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._matrix:
            return
        side = min(self.width(), self.height())
        count = len(self._matrix)
        module = max(1, side // count)
        size = module * count
        left = (self.width() - size) // 2
        top = (self.height() - size) // 2
        painter = QPainter(self)
        painter.fillRect(QRectF(left, top, size, size), QColor("white"))
        black = QColor("black")
        for y, row in enumerate(self._matrix):
            for x, dark in enumerate(row):
                if dark:
                    painter.fillRect(left + x * module, top + y * module, module, module, black)
        painter.end()
