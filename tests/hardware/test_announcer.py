"""Announcer: golden Arabic/English texts, real espeak-ng audio that is not silent, strict queue order."""

from __future__ import annotations

import logging
import shutil

import pytest
from pytestqt.qtbot import QtBot

from hardware.announcer import (
    Announcer,
    Audio,
    CallAnnouncement,
    EspeakSynthesizer,
    QtAudioPlayer,
    RecordingPlayer,
    announcement_audio,
    chime,
    compose_call,
)
from hardware.arabic import arabic_number_words, english_number_words, strip_diacritics

GOLDEN = [
    ("A012", 3, "التذكرة رقم إيه اثنا عشر، إلى الشباك رقم ثلاثة", "Ticket A012, counter 3"),
    ("B7", 12, "التذكرة رقم بي سبعة، إلى الشباك رقم اثنا عشر", "Ticket B7, counter 12"),
    ("C105", 1, "التذكرة رقم سي مئة وخمسة، إلى الشباك رقم واحد", "Ticket C105, counter 1"),
    ("A001", 2, "التذكرة رقم إيه واحد، إلى الشباك رقم اثنان", "Ticket A001, counter 2"),
    ("D250", 11, "التذكرة رقم دي مئتان وخمسون، إلى الشباك رقم أحد عشر", "Ticket D250, counter 11"),
    ("A٠١٩", 8, "التذكرة رقم إيه تسعة عشر، إلى الشباك رقم ثمانية", "Ticket A019, counter 8"),
    ("ب020", 20, "التذكرة رقم باء عشرون، إلى الشباك رقم عشرون", "Ticket ب020, counter 20"),
]


@pytest.mark.parametrize(("ticket", "counter", "arabic", "english"), GOLDEN)
def test_golden_texts(ticket: str, counter: int, arabic: str, english: str) -> None:
    call = compose_call(ticket, counter)
    assert call.text_ar == arabic
    assert call.text_en == english
    assert strip_diacritics(call.speech_ar) == arabic
    assert call.speech_ar != arabic  # the spoken form carries diacritics for espeak-ng


def test_recall_and_speech_forms() -> None:
    call = compose_call("A012", 3, recall=True)
    assert call.text_ar == "نداء مكرر: التذكرة رقم إيه اثنا عشر، إلى الشباك رقم ثلاثة"
    assert call.text_en == "Second call: Ticket A012, counter 3"
    assert compose_call("A012", 3).speech_en == "Ticket A12, counter three."
    with pytest.raises(ValueError):
        compose_call("A012", 0)


@pytest.mark.parametrize(
    ("n", "arabic", "english"),
    [
        (0, "صفر", "zero"),
        (3, "ثلاثة", "three"),
        (10, "عشرة", "ten"),
        (13, "ثلاثة عشر", "thirteen"),
        (21, "واحد وعشرون", "twenty-one"),
        (100, "مئة", "one hundred"),
        (200, "مئتان", "two hundred"),
        (345, "ثلاثمئة وخمسة وأربعون", "three hundred and forty-five"),
        (1000, "ألف", "one thousand"),
        (2005, "ألفان وخمسة", "two thousand and five"),
        (3000, "ثلاثة آلاف", "three thousand"),
    ],
)
def test_number_words(n: int, arabic: str, english: str) -> None:
    assert arabic_number_words(n, diacritics=False) == arabic
    assert english_number_words(n) == english


def test_chime_is_generated_and_clean() -> None:
    sound = chime()
    samples = sound.samples()
    assert 1.0 < sound.seconds < 2.0
    assert sound.rms() > 1000
    assert max(abs(v) for v in samples) < 32767  # no clipping
    tail = samples[-500:]
    assert max(abs(v) for v in tail) < 0.1 * max(abs(v) for v in samples)  # it fades out


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_espeak_audio_is_produced_and_not_silent() -> None:
    synthesizer = EspeakSynthesizer()
    call = compose_call("A012", 3)
    arabic = synthesizer.synthesize(call.speech_ar, "ar")
    english = synthesizer.synthesize(call.speech_en, "en")
    assert arabic is not None and english is not None
    assert arabic.seconds > 1.5 and english.seconds > 1.0
    assert arabic.rms() > 300 and english.rms() > 300
    whole = announcement_audio(call, synthesizer)
    assert whole.seconds > chime().seconds + arabic.seconds + english.seconds
    parsed = Audio.from_wav(whole.to_wav())  # a valid WAV file
    assert parsed == whole
    # The chime comes first: the first 0.3 s are loud, the speech follows after it.
    first = Audio(whole.rate, whole.pcm[: int(0.3 * whole.rate) * 2])
    assert first.rms() > 1000


class RecordingSynthesizer:
    """A fake synthesizer: records what it is asked to say and answers with a short tone."""

    def __init__(self) -> None:
        self.said: list[tuple[str, str]] = []

    def synthesize(self, text: str, language: str) -> Audio | None:
        self.said.append((language, text))
        return chime()


def test_queue_plays_in_order_without_overlap(qtbot: QtBot) -> None:
    player = RecordingPlayer(auto_finish=False)
    synthesizer = RecordingSynthesizer()
    announcer = Announcer(player, synthesizer)
    started: list[CallAnnouncement] = []
    finished: list[CallAnnouncement] = []
    announcer.started.connect(started.append)
    announcer.finished.connect(finished.append)
    with qtbot.waitSignal(announcer.started, timeout=5000):
        calls = [announcer.announce("A012", 3), announcer.announce("A013", 1), announcer.announce("B001", 2)]
    assert len(player.played) == 1  # the others wait for the first to finish
    for expected_started in (2, 3):
        with qtbot.waitSignal(announcer.started, timeout=5000):
            player.finish()
        assert len(started) == expected_started
    with qtbot.waitSignal(announcer.finished, timeout=5000):
        player.finish()
    assert [c.ticket_number for c in started] == ["A012", "A013", "B001"]
    assert finished == started == calls
    assert player.overlaps == 0
    assert [lang for lang, _ in synthesizer.said] == ["ar", "en"] * 3
    assert synthesizer.said[0][1] == calls[0].speech_ar and synthesizer.said[1][1] == calls[0].speech_en
    announcer.close()


def test_no_synthesizer_still_chimes(qtbot: QtBot) -> None:
    player = RecordingPlayer()
    announcer = Announcer(player, synthesizer=None)
    with qtbot.waitSignal(announcer.finished, timeout=5000):
        announcer.announce("A001", 1)
    assert player.played[0].rms() > 1000
    announcer.close()


def test_no_audio_device_logs_once_and_continues(qtbot: QtBot, caplog: pytest.LogCaptureFixture) -> None:
    from PySide6.QtMultimedia import QMediaDevices

    if not QMediaDevices.defaultAudioOutput().isNull():
        pytest.skip("this machine has an audio output")
    announcer = Announcer(QtAudioPlayer(), RecordingSynthesizer())
    with caplog.at_level(logging.WARNING, logger="hardware.announcer"):
        done: list[CallAnnouncement] = []
        announcer.finished.connect(done.append)
        with qtbot.waitSignal(
            announcer.finished, timeout=5000, check_params_cb=lambda c: c.ticket_number == "A002"
        ):
            announcer.announce("A001", 1)
            announcer.announce("A002", 2)
    assert [c.ticket_number for c in done] == ["A001", "A002"]
    assert caplog.text.count("no audio output") == 1
    announcer.close()
