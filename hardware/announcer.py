"""Hall announcements: a generated chime, then the call in Arabic, then in English, played through Qt.

- :func:`compose_call` — the words, from the ``ticket`` catalogue (``call.*``): in Arabic "ticket number A
  twelve, to counter number three" / ``Ticket A012, counter 3`` (plus the diacritized Arabic and the
  English that ``espeak-ng`` reads).
- :func:`chime` — a two-tone "ding-dong" synthesized as 16-bit PCM (no media files).
- :class:`EspeakSynthesizer` — ``espeak-ng`` renders each phrase to WAV offline.
- :class:`AudioPlayer` — plays one clip and emits ``finished``; :class:`QtAudioPlayer` is the real one
  (QtMultimedia ``QAudioSink``), :class:`RecordingPlayer` the fake.
- :class:`Announcer` — queues calls; synthesis runs in a worker thread, playback never overlaps, a burst of
  calls is announced in order. No audio device or no espeak-ng: logged once, the board keeps working.
"""

from __future__ import annotations

import functools
import io
import logging
import math
import queue
import shutil
import subprocess
import tempfile
import threading
import wave
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QTimer, Signal

from hardware.arabic import (
    ARABIC_INDIC_DIGITS,
    ARABIC_LETTER_NAMES,
    LATIN_LETTER_NAMES_AR,
    arabic_number_words,
    english_number_words,
    strip_diacritics,
)
from server.i18n import text

_TO_WESTERN = str.maketrans(ARABIC_INDIC_DIGITS, "0123456789")

log = logging.getLogger(__name__)

SAMPLE_RATE = 22050
"""espeak-ng's native rate; the chime and silences are generated at it so clips concatenate directly."""


# ------------------------------------------------------------------------------------------------ words


@dataclass(frozen=True, slots=True)
class CallAnnouncement:
    """One call to announce. ``text_ar`` / ``text_en`` are what is shown or logged (golden texts);
    ``speech_ar`` (diacritized) and ``speech_en`` are what the speech synthesizer reads."""

    ticket_number: str
    counter: int
    text_ar: str
    text_en: str
    speech_ar: str
    speech_en: str
    recall: bool = False


def _split_ticket(ticket_number: str) -> tuple[str, int | None]:
    letters = "".join(ch for ch in ticket_number if not ch.isdigit())
    digits = "".join(ch for ch in ticket_number if ch.isdigit())
    western = digits.translate(_TO_WESTERN)
    return letters.strip(), (int(western) if western else None)


def _letters_ar(letters: str) -> str:
    words = []
    for ch in letters:
        if ch.upper() in LATIN_LETTER_NAMES_AR:
            words.append(LATIN_LETTER_NAMES_AR[ch.upper()])
        elif ch in ARABIC_LETTER_NAMES:
            words.append(ARABIC_LETTER_NAMES[ch])
        elif not ch.isspace() and ch not in "-_":
            words.append(ch)
    return " ".join(words)


def compose_call(ticket_number: str, counter: int, *, recall: bool = False) -> CallAnnouncement:
    """The words for "ticket ``ticket_number`` to counter ``counter``" in Arabic and English.

    Arabic reads the ticket's letter by its name and the number as words in the masculine form used after
    the word "number", as does the counter: ``A012`` at counter 3 is "ticket number A twelve, to counter
    number three". English: ``Ticket A012, counter 3`` (spoken "Ticket A twelve, counter three"). A recall is
    prefixed with "second call". The sentences are the ``ticket`` catalogue's ``call.speech`` (what
    ``espeak-ng`` reads; the Arabic diacritized where espeak misreads the bare word), ``call.text`` (what is
    shown) and ``call.recall_speech`` / ``call.recall_text``.
    """
    if counter < 1:
        raise ValueError(f"counter must be >= 1, got {counter}")
    letters, number = _split_ticket(ticket_number)
    spoken_number = arabic_number_words(number) if number is not None else ""
    ticket_words = " ".join(part for part in (_letters_ar(letters), spoken_number) if part)
    # Diacritics (consonant, shadda, vowel — the order espeak-ng needs) where espeak misreads the bare word.
    counter_words = arabic_number_words(counter)
    speech_ar = text("ticket", "call.speech", "ar", ticket=ticket_words, counter=counter_words)
    text_ar = text(
        "ticket",
        "call.text",
        "ar",
        ticket=strip_diacritics(ticket_words),
        counter=strip_diacritics(counter_words),
    )
    if recall:
        speech_ar = text("ticket", "call.recall_speech", "ar", call=speech_ar)
        text_ar = text("ticket", "call.recall_text", "ar", call=text_ar)
    ticket_display = ticket_number.translate(_TO_WESTERN)
    text_en = text("ticket", "call.text", "en", ticket=ticket_display, counter=counter)
    spoken_ticket = (
        f"{letters}{number}"
        if letters and number is not None
        else (letters or english_number_words(number or 0))
    )
    speech_en = text(
        "ticket", "call.speech", "en", ticket=spoken_ticket, counter=english_number_words(counter)
    )
    if recall:
        text_en = text("ticket", "call.recall_text", "en", call=text_en)
        speech_en = text("ticket", "call.recall_speech", "en", call=speech_en)
    return CallAnnouncement(ticket_number, counter, text_ar, text_en, speech_ar, speech_en, recall)


# ------------------------------------------------------------------------------------------------ audio


@dataclass(frozen=True, slots=True)
class Audio:
    """Mono 16-bit little-endian PCM at ``rate`` Hz. ``pcm`` holds the raw samples."""

    rate: int
    pcm: bytes

    @property
    def seconds(self) -> float:
        """Duration in seconds."""
        return len(self.pcm) / 2 / self.rate

    def samples(self) -> array[int]:
        """The samples as an ``array('h')`` (for analysis)."""
        values = array("h")
        values.frombytes(self.pcm)
        return values

    def rms(self) -> float:
        """Root-mean-square level (0 = silence, 32767 = full scale square wave)."""
        values = self.samples()
        return math.sqrt(sum(v * v for v in values) / len(values)) if values else 0.0

    def to_wav(self) -> bytes:
        """A complete WAV file."""
        out = io.BytesIO()
        with wave.open(out, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(self.rate)
            wav.writeframes(self.pcm)
        return out.getvalue()

    @staticmethod
    def from_wav(data: bytes) -> Audio:
        """Read a mono or stereo 16-bit WAV (stereo is mixed down)."""
        with wave.open(io.BytesIO(data), "rb") as wav:
            if wav.getsampwidth() != 2:
                raise ValueError("only 16-bit WAV is supported")
            frames = wav.readframes(wav.getnframes())
            if wav.getnchannels() == 2:
                stereo = array("h")
                stereo.frombytes(frames)
                mono = array("h", ((stereo[i] + stereo[i + 1]) // 2 for i in range(0, len(stereo) - 1, 2)))
                frames = mono.tobytes()
            return Audio(wav.getframerate(), frames)

    def resampled(self, rate: int) -> Audio:
        """This audio at ``rate`` Hz (linear interpolation; only used if espeak-ng's rate ever differs)."""
        if rate == self.rate:
            return self
        src = self.samples()
        count = int(len(src) * rate / self.rate)
        out = array("h", bytes(2 * count))
        for i in range(count):
            pos = i * self.rate / rate
            j = int(pos)
            frac = pos - j
            a = src[min(j, len(src) - 1)]
            b = src[min(j + 1, len(src) - 1)]
            out[i] = int(a + (b - a) * frac)
        return Audio(rate, out.tobytes())


def silence(seconds: float, rate: int = SAMPLE_RATE) -> Audio:
    """``seconds`` of silence."""
    return Audio(rate, bytes(2 * int(seconds * rate)))


@functools.lru_cache(maxsize=4)
def chime(rate: int = SAMPLE_RATE, volume: float = 0.45) -> Audio:
    """A soft two-tone "ding-dong" (E5 then C5, bell-like partials, exponential decay), about 1.3 s.
    Computed once per rate and volume (it is the same for every call; ``Audio`` is immutable)."""
    notes = ((659.25, 0.0), (523.25, 0.55))
    length = int(1.35 * rate)
    out = array("h", bytes(2 * length))
    for freq, start in notes:
        offset = int(start * rate)
        for i in range(length - offset):
            t = i / rate
            envelope = math.exp(-3.2 * t) * min(1.0, t / 0.005)
            value = (
                math.sin(2 * math.pi * freq * t)
                + 0.35 * math.sin(2 * math.pi * 2 * freq * t)
                + 0.12 * math.sin(2 * math.pi * 3.01 * freq * t)
            ) / 1.47
            sample = out[offset + i] + int(value * envelope * volume * 32767)
            out[offset + i] = max(-32768, min(32767, sample))
    return Audio(rate, out.tobytes())


def concat(*clips: Audio) -> Audio:
    """Join clips (resampled to the first clip's rate)."""
    rate = clips[0].rate
    return Audio(rate, b"".join(clip.resampled(rate).pcm for clip in clips))


class SpeechSynthesizer(Protocol):
    """Turns text into :class:`Audio`, or returns ``None`` when it cannot (logged by the implementation)."""

    def synthesize(self, text: str, language: str) -> Audio | None:
        """Speak ``text`` in ``language`` (``"ar"`` or ``"en"``)."""
        ...


class EspeakSynthesizer:
    """Offline speech with the ``espeak-ng`` program (Debian package ``espeak-ng``).

    ``voices`` maps language to an espeak voice; ``speed`` is words per minute. Missing program or a failing
    run: logged once, :meth:`synthesize` returns ``None`` (the chime still plays).
    """

    def __init__(
        self,
        program: str = "espeak-ng",
        speed: int = 140,
        voices: dict[str, str] | None = None,
        timeout: float = 20.0,
    ) -> None:
        self.program = shutil.which(program)
        self.speed = speed
        self.voices = voices or {"ar": "ar", "en": "en-gb"}
        self.timeout = timeout
        self._warned = False
        if self.program is None:
            self._warn(f"{program} not found; announcements will only chime (apt-get install espeak-ng)")

    def _warn(self, message: str) -> None:
        if not self._warned:
            log.warning("%s", message)
            self._warned = True

    def synthesize(self, text: str, language: str) -> Audio | None:
        if self.program is None:
            return None
        with tempfile.TemporaryDirectory(prefix="dawr-tts-") as folder:
            target = Path(folder) / "speech.wav"
            try:
                subprocess.run(
                    [
                        self.program,
                        "-v",
                        self.voices.get(language, language),
                        "-s",
                        str(self.speed),
                        "-w",
                        str(target),
                        "--",
                        text,
                    ],
                    check=True,
                    capture_output=True,
                    timeout=self.timeout,
                )
                return Audio.from_wav(target.read_bytes())
            except (OSError, subprocess.SubprocessError, ValueError, wave.Error) as exc:
                self._warn(f"espeak-ng failed ({exc}); announcements will only chime")
                return None


def announcement_audio(call: CallAnnouncement, synthesizer: SpeechSynthesizer | None) -> Audio:
    """The full clip for ``call``: chime, pause, Arabic, pause, English (speech parts skipped if unavailable)."""
    arabic = synthesizer.synthesize(call.speech_ar, "ar") if synthesizer else None
    english = synthesizer.synthesize(call.speech_en, "en") if synthesizer else None
    rate = arabic.rate if arabic else english.rate if english else SAMPLE_RATE
    parts = [chime(rate), silence(0.25, rate)]
    if arabic:
        parts += [arabic, silence(0.45, rate)]
    if english:
        parts += [english]
    parts.append(silence(0.3, rate))
    return concat(*parts)


# ------------------------------------------------------------------------------------------------ players


class AudioPlayer(QObject):
    """Plays one :class:`Audio` at a time. ``play()`` returns at once; ``finished`` fires when the clip has
    played (or could not be played), in the player's thread."""

    finished = Signal()

    def play(self, audio: Audio) -> None:
        """Start playing ``audio``."""
        raise NotImplementedError


class QtAudioPlayer(AudioPlayer):
    """Plays through the default audio output with QtMultimedia's ``QAudioSink``.

    With no audio output (no sound card, no PulseAudio) it logs once and finishes every clip at once, so the
    queue keeps moving and the board keeps showing calls.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sink: object | None = None
        self._buffer: QBuffer | None = None
        self._warned = False

    def _no_device(self, reason: str) -> None:
        if not self._warned:
            log.warning("no audio output (%s); announcements are not heard", reason)
            self._warned = True
        QTimer.singleShot(0, self.finished.emit)

    def play(self, audio: Audio) -> None:
        from PySide6.QtMultimedia import QAudio, QAudioFormat, QAudioSink, QMediaDevices

        device = QMediaDevices.defaultAudioOutput()
        if device.isNull():
            self._no_device("no output device")
            return
        fmt = QAudioFormat()
        fmt.setSampleRate(audio.rate)
        fmt.setChannelCount(1)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        if not device.isFormatSupported(fmt):
            self._no_device(f"device {device.description()} does not take {audio.rate} Hz mono")
            return
        buffer = QBuffer(self)
        buffer.setData(QByteArray(audio.pcm))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        sink = QAudioSink(device, fmt, self)

        def on_state(state: object) -> None:
            error = sink.error()
            no_error = error == QAudio.Error.NoError  # type: ignore[comparison-overlap]
            if state == QAudio.State.IdleState or (state == QAudio.State.StoppedState and not no_error):
                if not no_error and error != QAudio.Error.UnderrunError:  # type: ignore[comparison-overlap]
                    log.warning("audio playback error: %s", sink.error())
                sink.stateChanged.disconnect(on_state)
                sink.stop()
                buffer.close()
                sink.deleteLater()
                buffer.deleteLater()
                self._sink = self._buffer = None
                self.finished.emit()

        sink.stateChanged.connect(on_state)
        self._sink, self._buffer = sink, buffer
        sink.start(buffer)
        if sink.error() != QAudio.Error.NoError:  # type: ignore[comparison-overlap]
            sink.stateChanged.disconnect(on_state)
            self._sink = self._buffer = None
            self._no_device(f"audio sink error {sink.error()}")


class RecordingPlayer(AudioPlayer):
    """The fake player: records every clip in ``played``. With ``auto_finish`` each clip "ends" on the next
    event-loop turn; otherwise the test ends it with :meth:`finish`. ``playing`` is True in between, and
    ``overlaps`` counts plays started while another was still playing (must stay 0)."""

    started = Signal(object)

    def __init__(self, auto_finish: bool = True, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.auto_finish = auto_finish
        self.played: list[Audio] = []
        self.playing = False
        self.overlaps = 0

    def play(self, audio: Audio) -> None:
        if self.playing:
            self.overlaps += 1
        self.playing = True
        self.played.append(audio)
        self.started.emit(audio)
        if self.auto_finish:
            QTimer.singleShot(0, self.finish)

    def finish(self) -> None:
        """End the current clip (emits ``finished``)."""
        if self.playing:
            self.playing = False
            self.finished.emit()


# ------------------------------------------------------------------------------------------------ announcer


class Announcer(QObject):
    """Announces calls in order, one at a time.

    ``announce(ticket, counter)`` returns at once. Speech is synthesized in a worker thread; clips are played
    strictly in the order announced, each after the previous one finished. Signals: ``started(call)`` when a
    clip starts playing, ``finished(call)`` when it is done (a :class:`CallAnnouncement` each).
    """

    started = Signal(object)
    finished = Signal(object)
    _ready = Signal(object, object)

    def __init__(
        self, player: AudioPlayer, synthesizer: SpeechSynthesizer | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.player = player
        self.synthesizer = synthesizer
        self._pending: list[tuple[CallAnnouncement, Audio]] = []
        self._current: CallAnnouncement | None = None
        self._work: queue.Queue[CallAnnouncement | None] = queue.Queue()
        self._ready.connect(self._on_ready)
        self.player.finished.connect(self._on_played)
        self._thread = threading.Thread(target=self._synthesize_loop, name="dawr-announcer", daemon=True)
        self._thread.start()

    def announce(self, ticket_number: str, counter: int, *, recall: bool = False) -> CallAnnouncement:
        """Queue a call; returns its :class:`CallAnnouncement` (texts) at once."""
        call = compose_call(ticket_number, counter, recall=recall)
        self._work.put(call)
        return call

    def close(self) -> None:
        """Stop the synthesis thread after queued calls (daemon: never blocks exit)."""
        self._work.put(None)

    def _synthesize_loop(self) -> None:
        while True:
            call = self._work.get()
            if call is None:
                return
            try:
                audio = announcement_audio(call, self.synthesizer)
            except Exception:  # a broken synthesizer must not silence the hall for good
                log.exception("could not synthesize %s", call.text_en)
                audio = concat(chime(), silence(0.3))
            self._ready.emit(call, audio)

    def _on_ready(self, call: CallAnnouncement, audio: Audio) -> None:
        self._pending.append((call, audio))
        self._play_next()

    def _play_next(self) -> None:
        if self._current is not None or not self._pending:
            return
        call, audio = self._pending.pop(0)
        self._current = call
        log.info("announcing %s / %s", call.text_ar, call.text_en)
        self.started.emit(call)
        self.player.play(audio)

    def _on_played(self) -> None:
        call, self._current = self._current, None
        if call is not None:
            self.finished.emit(call)
        self._play_next()
