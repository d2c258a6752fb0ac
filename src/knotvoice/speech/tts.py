"""Speech out: the only module that touches pyttsx3 (espeak-ng on Linux)."""

from __future__ import annotations

import atexit
import logging
import sys
import tempfile
import threading
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from knotvoice.audio import AudioChunk
from knotvoice.errors import KnotvoiceError
from knotvoice.settings import VoiceSettings

_log = logging.getLogger(__name__)

CHUNK_SECONDS = 0.1
"""Length of each synthesized chunk, in seconds."""

_SPEAKING = threading.Lock()
"""Held while a synthesizer uses the engine. pyttsx3 gives every synthesizer of a process the
same engine, which speaks one text at a time: two replies asked for at once each waited for
the other's end of utterance, and one got no audio."""
_KEPT: list[Any] = []
"""The engines made, kept for the life of the process: when pyttsx3's driver for an engine is
collected it unhooks espeak-ng's callback for every engine, which another engine may be
speaking through at that moment. Let go at exit, while pyttsx3 can still tidy up."""
_CUT = threading.Event()
"""Set while the reply espeak-ng is rendering is to be cut short: it was not rendered in time,
and what it renders now goes nowhere."""


@atexit.register
def _let_go() -> None:
    """Let the kept engines go, once no reply is being rendered (a thread still rendering
    one at exit keeps them)."""
    if _SPEAKING.acquire(timeout=2.0):
        try:
            _KEPT.clear()
        finally:
            _SPEAKING.release()


class SpeechError(KnotvoiceError):
    """The text-to-speech engine is missing or failed."""


class UnknownVoice(SpeechError):
    """No voice of the engine matches the one asked for: a setting to correct. ``origin``:
    where the setting came from (a config file, a variable), None for ``--voice``."""

    def __init__(self, wanted: str, english: Sequence[str], origin: str | None = None) -> None:
        self.wanted, self.english, self.origin = wanted, tuple(english), origin
        offered = f"; the English voices here: {', '.join(english)}" if english else ""
        told = "leave it out" if origin else "leave --voice out"
        super().__init__(
            f"{f'{origin}: ' if origin else ''}no text-to-speech voice matches {wanted!r}"
            f"{offered}; name one, or {told} for the default"
        )

    def named_in(self, origin: str) -> UnknownVoice:
        """The same, told of a voice named in ``origin``."""
        return UnknownVoice(self.wanted, self.english, origin)


LONG_REPLY_WORDS = 150
"""A reply of more words than this is too long to read aloud: about a minute, where the FAQs
in ``knowledge/`` and ``audio_fixtures/`` read at most 82 words. ``knotvoice knowledge lint``
and ``check`` warn of such answers, and one not rendered in time is told to be shortened (one
of 5,000 words was never rendered, and the error said only to check espeak-ng)."""


def overran(text: str) -> str:
    """What to do about a reply not rendered in time, to follow "not rendered in N s": shorten
    it when it is long, else check espeak-ng."""
    count = len(text.split())
    if count > LONG_REPLY_WORDS:
        return (
            f" for a reply of {count} words; shorten it (a 'spoken' form; `knotvoice knowledge "
            "lint` names the long answers) or check espeak-ng"
        )
    return "; check espeak-ng"


class Synthesizer:
    """Renders text to 16-bit mono audio chunks at the engine's own rate."""

    timeout: float = 30.0
    """Longest wait for one reply to be synthesized, in seconds."""

    def __init__(self, engine: Any, settings: VoiceSettings) -> None:
        self._engine = engine
        self.settings = settings

    @classmethod
    def load(cls, settings: VoiceSettings | None = None) -> Synthesizer:
        settings = settings or VoiceSettings()
        try:
            import pyttsx3

            with _SPEAKING:
                engine = pyttsx3.init()
                if engine not in _KEPT:
                    _KEPT.append(engine)
                    _report_failures(engine.proxy._driver)
                    _hand_over_only_the_text(engine.proxy._driver)
                    _gather_in_place(engine.proxy._driver)
        except Exception as error:  # pyttsx3 raises bare RuntimeError/OSError per driver
            raise SpeechError(
                f"text-to-speech is not available ({error}); "
                "install espeak-ng: sudo apt-get install espeak-ng"
            ) from None
        # The espeak driver prints a line for every file it saves; stdout is the kiosk's (its
        # JSON events). Its prints go to the log instead, from whichever thread renders.
        driver = sys.modules.get(type(engine.proxy._driver).__module__)
        if driver is not None:
            driver.print = _log_instead  # type: ignore[attr-defined]
        synthesizer = cls(engine, settings)
        with _SPEAKING:
            synthesizer._set("rate", settings.rate)
            synthesizer._set("volume", settings.volume)
            if settings.voice:
                synthesizer._set("voice", _find_voice(engine, settings.voice))
        return synthesizer

    @property
    def identity(self) -> str:
        """Names how this synthesizer sounds: its voice, rate and volume."""
        try:
            with _SPEAKING:
                voice = str(self._engine.getProperty("voice"))
        except Exception:  # a driver without the property
            voice = str(self.settings.voice)
        return f"{voice}|{self.settings.rate}|{self.settings.volume}"

    def voices(self) -> list[str]:
        """Ids of the voices the engine offers."""
        with _SPEAKING:
            return [str(voice.id) for voice in self._engine.getProperty("voices")]

    def _set(self, name: str, value: object) -> None:
        # pyttsx3's engine.setProperty goes through a command queue that may run only at the
        # next utterance, after a rate meant for this one; the driver's setter acts at once.
        self._engine.proxy._driver.setProperty(name, value)

    @property
    def _on_espeak(self) -> bool:
        return type(self._engine.proxy._driver).__module__.endswith("espeak")

    def _with_rate(self, text: str, rate: int) -> str:
        # espeak-ng's global rate, set between utterances, does not always reach the next one;
        # its embedded speed command ("\x01<wpm>S") sets the rate of this utterance alone.
        if self._on_espeak:
            return f"\x01{rate}S{text}"
        self._engine.setProperty("rate", rate)
        return text

    def synthesize(self, text: str, rate: int | None = None) -> list[AudioChunk]:
        """Speak ``text`` into audio chunks; ``rate`` (words per minute) overrides the default."""
        if not text.strip():
            return []
        if not _SPEAKING.acquire(timeout=self.timeout):
            raise SpeechError(
                f"text-to-speech was busy with another reply for {self.timeout:g} s; "
                "check espeak-ng"
            )
        late: list[bool] = []
        try:
            folder = tempfile.TemporaryDirectory(prefix="knotvoice-tts-")
        except OSError:
            _SPEAKING.release()
            raise
        try:
            return self._synthesize(text, rate, Path(folder.name), late)
        finally:
            if late:
                # The reply fails now; espeak-ng stops at its next buffer (left to render, a
                # reply of 6,000 words kept the kiosk silent for 109 s), and the next reply
                # waits for the stop.
                _CUT.set()
                threading.Thread(
                    target=self._stop, args=(folder,), name="tts-stop", daemon=True
                ).start()
            else:
                self._let_go(folder)

    def _stop(self, folder: tempfile.TemporaryDirectory[str]) -> None:
        """Stop the utterance not rendered in time (what it renders late goes nowhere), then
        let the next reply be rendered."""
        try:
            self._engine.stop()
        except Exception as error:  # the next reply tells whether the engine still works
            _log.debug("text-to-speech did not stop: %s", error)
        finally:
            self._let_go(folder)

    @staticmethod
    def _let_go(folder: tempfile.TemporaryDirectory[str]) -> None:
        """The reply's folder removed, and the engine free for the next reply."""
        try:
            folder.cleanup()
        finally:
            _SPEAKING.release()

    def _synthesize(
        self, text: str, rate: int | None, folder: Path, late: list[bool]
    ) -> list[AudioChunk]:
        """``text`` rendered in ``folder``; ``late`` gets a mark when it was not rendered in
        time, and the engine is left to be stopped (the folder kept until it has)."""
        text = self._with_rate(text, rate or self.settings.rate)
        path = folder / "reply.wav"
        _CUT.clear()
        ended = threading.Event()
        failures: list[BaseException] = []

        def failed(exception: BaseException, **_: object) -> None:
            failures.append(exception)
            ended.set()

        tokens = [
            self._engine.connect("finished-utterance", lambda **_: ended.set()),
            self._engine.connect("error", failed),
        ]
        try:
            if self._on_espeak:
                # Queued while the engine is busy, the utterance and the end of pyttsx3's
                # loop are taken together as runAndWait starts: it returns once espeak-ng
                # has the text, and the wait below is the one wait. Queued on an idle
                # engine (after every reply), the loop ran until the end of the utterance,
                # which never came when the file could not be saved: the reply hung, and
                # every one after it.
                self._engine.proxy.setBusy(True)
            # The espeak driver returns from runAndWait before its synthesis thread has
            # written the file: wait for the end of the utterance.
            self._engine.save_to_file(text, str(path))
            self._engine.runAndWait()
            done = ended.wait(timeout=self.timeout)
            if not done:
                late.append(True)
        except Exception as error:
            raise SpeechError(f"text-to-speech failed ({error}); check espeak-ng") from None
        finally:
            for token in tokens:
                self._engine.disconnect(token)
        if failures:
            raise SpeechError(
                f"text-to-speech failed ({failures[0]}); replies are rendered in "
                f"{folder.parent}: free space there or set TMPDIR to another folder"
            )
        if not done or not path.is_file():
            raise SpeechError(
                f"text-to-speech produced no audio in {self.timeout:g} s{overran(text)}"
            )
        return wav_chunks(path)


def _espeak_of(driver: Any) -> Any:
    """pyttsx3's ctypes module for espeak-ng, when ``driver`` speaks through it (else None:
    another platform's engine)."""
    return getattr(sys.modules.get(type(driver).__module__), "_espeak", None)


def _report_failures(driver: Any) -> None:
    """Have an exception in espeak-ng's callback (a WAV file it cannot save) reported as the
    engine's "error": raised into ctypes, it was printed and lost, and the utterance never
    ended. A reply cut short (``_CUT``) is not rendered on."""
    espeak = _espeak_of(driver)
    if espeak is None:
        return
    on_synth = driver._onSynth

    def reporting(wav: Any, samples: int, events: Any) -> int:
        if _CUT.is_set():
            return 1  # stop synthesizing this utterance
        try:
            return int(on_synth(wav, samples, events))
        except Exception as error:
            driver._proxy.notify("error", exception=error)
            return 1

    espeak.SetSynthCallback(reporting)


def _hand_over_only_the_text(driver: Any) -> None:
    """Have espeak-ng copy a reply's text and its end, not ten times its length: pyttsx3's
    ``Synth`` gives ``len(text) * 10`` as the size, and espeak-ng copies that many bytes from
    the text, reading on past its end. A reply of 20,000 words killed the process every time
    (the memory beyond it was not the process's); a short one could when it ended near the
    end of the process's memory (runs of the test suite died in ``Synth`` twice)."""
    espeak = _espeak_of(driver)
    if espeak is None or not hasattr(espeak, "cSynth"):
        return

    def synth(
        text: str | bytes,
        position: int = 0,
        position_type: int = espeak.POS_CHARACTER,
        end_position: int = 0,
        flags: int = 0,
        user_data: Any = None,
    ) -> Any:
        data = text.encode("utf-8") if isinstance(text, str) else text
        size = len(data) + 1  # with the zero that ends it (a bytes object always has one)
        return espeak.cSynth(
            data, size, position, position_type, end_position, flags, None, user_data
        )

    espeak.Synth = synth


def _gather_in_place(driver: Any) -> None:
    """Have each reply's audio gathered where it is: pyttsx3 adds every buffer espeak-ng
    renders to an immutable ``bytes`` (``+=``), a copy of all that came before each time,
    so a reply took time as the square of its length (1,500 words 3.7 s, 3,000 words 12 s).
    Its buffer is made a ``bytearray``, which grows in place, wherever pyttsx3 sets it (it
    empties it, then starts espeak-ng, whose thread adds to it at once: one swapped in later
    lost what was there), and the file is written from it the same."""
    if _espeak_of(driver) is None or not hasattr(driver, "_data_buffer"):
        return
    kind = type(driver)

    class Gathering(kind):  # type: ignore[misc,valid-type]
        @property
        def _data_buffer(self) -> bytearray:
            return self.__dict__["_gathered"]  # type: ignore[no-any-return]

        @_data_buffer.setter
        def _data_buffer(self, value: bytes | bytearray) -> None:
            # ``+=`` gives back the same bytearray, grown; an assignment empties it anew.
            self.__dict__["_gathered"] = value if isinstance(value, bytearray) else bytearray(value)

    # Still of pyttsx3's module, where its espeak-ng calls and its prints are looked up.
    Gathering.__module__, Gathering.__qualname__ = kind.__module__, kind.__qualname__
    gathered = driver.__dict__.pop("_data_buffer", b"")
    driver.__class__ = Gathering
    driver._data_buffer = gathered


def _log_instead(*values: object, **_: object) -> None:
    _log.debug("speech engine: %s", " ".join(str(value) for value in values))


def _find_voice(engine: Any, wanted: str) -> str:
    voices = engine.getProperty("voices")
    for voice in voices:
        if wanted in (voice.id, voice.name):
            return str(voice.id)
    for voice in voices:
        if wanted.lower() in f"{voice.id} {voice.name}".lower():
            return str(voice.id)
    english = [
        f'"{voice.name}"'
        for voice in voices
        if any(str(language).startswith("en") for language in voice.languages or ())
    ]
    raise UnknownVoice(wanted, english)


def wav_chunks(path: Path, whole: bool = False) -> list[AudioChunk]:
    """A 16-bit WAV file as chunks of ``CHUNK_SECONDS``; ``whole``: a file with fewer
    frames than its header says (cut short) raises ``wave.Error``."""
    with wave.open(str(path), "rb") as wav:
        rate, width, channels = wav.getframerate(), wav.getsampwidth(), wav.getnchannels()
        expected = wav.getnframes()
        frames = wav.readframes(expected)
    if whole and len(frames) != expected * width * channels:
        raise wave.Error(f"{path.name} is cut short")
    step = int(rate * CHUNK_SECONDS) * width * channels
    return [
        AudioChunk(
            frames[i : i + step], rate, width, channels, timestamp=i / (width * channels * rate)
        )
        for i in range(0, len(frames), step)
    ]
