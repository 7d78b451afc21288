"""Ticket rendering: Arabic shaped and right-to-left, both widths, both languages, digits, fonts."""

from __future__ import annotations

import logging
from collections import deque
from datetime import datetime

import pytest
import zxingcpp
from PySide6.QtGui import QRawFont

from hardware.errors import TicketDataError
from hardware.fonts import FontChoice, _pick, ticket_fonts
from hardware.printout import TicketPrintout, sample_printout
from hardware.render import (
    BigNumber,
    TextLine,
    TicketImage,
    layout_paragraph,
    render_blocks,
    render_ticket,
    text_lines,
    ticket_blocks,
)

ZWNJ = "\u200c"  # zero-width non-joiner: forces every letter into its isolated form


def components(image: TicketImage) -> int:
    """Number of 8-connected groups of black dots."""
    seen = bytearray(image.width * image.height)
    count = 0
    for start in range(image.width * image.height):
        if image.pixels[start] != 0 or seen[start]:
            continue
        count += 1
        seen[start] = 1
        todo = deque([start])
        while todo:
            at = todo.pop()
            y, x = divmod(at, image.width)
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    ny, nx = y + dy, x + dx
                    if 0 <= ny < image.height and 0 <= nx < image.width:
                        n = ny * image.width + nx
                        if image.pixels[n] == 0 and not seen[n]:
                            seen[n] = 1
                            todo.append(n)
    return count


def test_arabic_letters_are_joined(qapp: object) -> None:
    # محمد has no dots: shaped, its four letters join into one stroke; isolated forms give four blobs.
    shaped = render_blocks([TextLine("محمد", "title", rtl=True)], 384)
    isolated = render_blocks([TextLine(ZWNJ.join("محمد"), "title", rtl=True)], 384)
    assert components(shaped) == 1
    assert components(isolated) >= 4


def test_glyphs_are_contextual_forms(qapp: object) -> None:
    # شباك shaped: initial sheen, medial beh, final alef differ from the nominal (isolated) cmap glyphs.
    font = ticket_fonts().font(40, arabic_first=True)
    layout, _ = layout_paragraph("شباك", font, 400, rtl=True)
    runs = layout.glyphRuns()
    assert len(runs) == 1
    shaped = set(runs[0].glyphIndexes())
    nominal = set(QRawFont.fromFont(font).glyphIndexesForString("شباك"))
    assert len(shaped - nominal) >= 3


def test_arabic_runs_right_to_left(qapp: object) -> None:
    # Logical order: a tall alef, a space, then a long low kashida stroke. Right-to-left puts alef on the right.
    image = render_blocks([TextLine("ا ـــــــ", "title", rtl=True)], 384)
    columns = [sum(image.is_black(x, y) for y in range(image.height)) for x in range(image.width)]
    inked = [x for x, c in enumerate(columns) if c]
    tallest = max(range(image.width), key=lambda x: columns[x])
    assert tallest > (inked[0] + inked[-1]) / 2
    layout, _ = layout_paragraph("شباك 12", ticket_fonts().font(30), 300, rtl=True)
    line = layout.lineAt(0)
    assert line.cursorToX(0)[0] > line.cursorToX(4)[0]  # the word's first letter is right of its last


def test_mixed_line_keeps_latin_left_to_right(qapp: object) -> None:
    layout, _ = layout_paragraph("رقم الحجز: BK-12", ticket_fonts().font(30), 500, rtl=True)
    line = layout.lineAt(0)
    inside_latin = [line.cursorToX(i)[0] for i in (12, 13, 15)]  # B|K, K|-, 1|2
    inside_arabic = [line.cursorToX(i)[0] for i in (1, 2)]  # ر|ق, ق|م
    assert inside_latin == sorted(inside_latin)
    assert inside_arabic == sorted(inside_arabic, reverse=True)
    assert max(inside_latin) < min(inside_arabic)  # Latin run reads left to right, left of the Arabic label


@pytest.mark.parametrize("width", [576, 384])
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_ticket_renders_with_readable_qr(qapp: object, width: int, lang: str) -> None:
    printout = sample_printout(lang)  # type: ignore[arg-type]
    image = render_ticket(printout, width)
    assert image.width == width
    assert 700 < image.height < 2000
    assert set(image.pixels) == {0, 255}  # thresholded: pure black and white
    assert 0.04 < image.black_count() / len(image.pixels) < 0.5
    found = zxingcpp.read_barcodes(image.to_pil())
    assert [r.text for r in found] == [printout.status_url]


def test_primary_language_comes_first(printout_ar: TicketPrintout, printout_en: TicketPrintout) -> None:
    ar = text_lines(ticket_blocks(printout_ar))
    en = text_lines(ticket_blocks(printout_en))
    assert ar[2].text == printout_ar.branch_name_ar and ar[2].rtl and ar[2].bold
    assert ar[3].text == printout_ar.branch_name_en and not ar[3].rtl
    assert en[2].text == printout_en.branch_name_en and en[3].text == printout_en.branch_name_ar
    texts = [b.text for b in ar]
    assert "عدد المنتظرين قبلك: 7" in texts and "People ahead of you: 7" in texts
    assert "وقت الانتظار المتوقع: نحو 25 دقيقة" in texts
    assert "وقت الإصدار: الثلاثاء 4 مارس 2025، 9:15 ص" in texts  # 06:15 UTC is 09:15 in Bahrain
    assert "Issued: Tue 4 Mar 2025, 9:15 AM" in texts
    assert "رقم الحجز: BK-2025-0412" in texts and "وقت الموعد: 9:30 ص" in texts


def test_arabic_indic_digits(qapp: object) -> None:
    printout = sample_printout("ar", "arabic-indic")
    blocks = ticket_blocks(printout)
    texts = [b.text for b in text_lines(blocks)]
    assert [b.text for b in blocks if isinstance(b, BigNumber)] == ["A٠١٢"]
    assert "A012" in texts  # Western form under the big number, to match the boards
    assert "عدد المنتظرين قبلك: ٧" in texts and "People ahead of you: 7" in texts
    assert "وقت الانتظار المتوقع: نحو ٢٥ دقيقة" in texts
    assert "رقم الحجز: BK-2025-0412" in texts  # identifiers are never converted
    assert "مركز الاتصال الوطني ٨٠٠٠٨٠٠١" in texts and "National Contact Centre 80008001" in texts
    western = render_ticket(sample_printout("ar"), 576)
    indic = render_ticket(printout, 576)
    assert western.pixels != indic.pixels


@pytest.mark.parametrize(
    ("minutes", "arabic", "english"),
    [
        (None, "غير متاح حاليًا", "not available yet"),
        (0, "أقل من دقيقة", "under a minute"),
        (1, "نحو دقيقة واحدة", "about 1 minute"),
        (2, "نحو دقيقتان", "about 2 minutes"),
        (5, "نحو 5 دقائق", "about 5 minutes"),
        (11, "نحو 11 دقيقة", "about 11 minutes"),
    ],
)
def test_wait_wording(minutes: int | None, arabic: str, english: str) -> None:
    base = sample_printout("ar")
    printout = TicketPrintout(
        **{
            **{f: getattr(base, f) for f in base.__dataclass_fields__},
            "estimated_wait_minutes": minutes,
            "people_ahead": 0,
        }
    )
    texts = [b.text for b in text_lines(ticket_blocks(printout))]
    assert f"وقت الانتظار المتوقع: {arabic}" in texts
    assert f"Estimated wait: {english}" in texts
    assert "Nobody is ahead of you: you are next" in texts


def test_walk_in_ticket_is_shorter(qapp: object) -> None:
    with_appointment = render_ticket(sample_printout("ar"), 576)
    walk_in = render_ticket(sample_printout("ar", appointment=False), 576)
    assert walk_in.height < with_appointment.height - 150


def test_missing_fonts_fall_back_with_warning(qapp: object, caplog: pytest.LogCaptureFixture) -> None:
    from PySide6.QtGui import QFontDatabase

    with caplog.at_level(logging.WARNING, logger="hardware.fonts"):
        family = _pick(
            ("No Such Font 1", "No Such Font 2"),
            set(QFontDatabase.families()),
            QFontDatabase.WritingSystem.Arabic,
            "Arabic",
        )
    assert family and "No Such Font 1" in caplog.text
    image = render_ticket(sample_printout("ar"), 384, fonts=FontChoice("No Such Font", "Nor This One"))
    assert image.black_count() > 1000


def test_bad_input_is_refused(qapp: object) -> None:
    with pytest.raises(TicketDataError, match="576, 512, 384"):
        render_ticket(sample_printout(), 600)
    base = sample_printout()
    fields = {f: getattr(base, f) for f in base.__dataclass_fields__}
    with pytest.raises(TicketDataError, match="timezone-aware"):
        TicketPrintout(**{**fields, "issued_at": datetime(2025, 1, 1, 9, 0)})
    with pytest.raises(TicketDataError, match="time zone"):
        TicketPrintout(**{**fields, "time_zone": "Mars/Olympus"})
    with pytest.raises(TicketDataError, match="digits"):
        TicketPrintout(**{**fields, "digits": "roman"})
