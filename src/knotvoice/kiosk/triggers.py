"""What starts a question: a press of a key or button, or the wake phrase.

In ``vad`` mode any speech is a question; in ``wake`` mode only speech that starts with the
wake phrase (or follows a reply closely); in ``push`` mode only speech after a press.
"""

from __future__ import annotations

import difflib
import functools
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol, TextIO

from knotvoice.asr import Transcript, Word
from knotvoice.errors import DeviceError
from knotvoice.lang import words
from knotvoice.settings import TriggerMode

__all__ = ["EventTrigger", "KeyTrigger", "Trigger", "question_in", "strip_wake_phrase"]

_log = logging.getLogger(__name__)


class Trigger(Protocol):
    """A push-to-talk button: a key, a GPIO pin, a test.

    ``poll`` never blocks; it is true once for each press since the previous poll.
    """

    def poll(self) -> bool: ...


class EventTrigger:
    """A trigger pressed by calling ``press()`` from any thread.

    A GPIO button drives it from its callback, e.g. ``button.when_pressed = trigger.press``.
    """

    def __init__(self) -> None:
        self._pressed = threading.Event()

    def press(self) -> None:
        self._pressed.set()

    def poll(self) -> bool:
        if self._pressed.is_set():
            self._pressed.clear()
            return True
        return False


class KeyTrigger(EventTrigger):
    """Each line read from ``stream`` (the Enter key on a terminal, or a button's presses
    piped in: ``gpiomon ... | knotvoice listen --trigger push``) is a press. Once it ends
    no press can come: ``poll`` raises ``DeviceError`` after the last press, and the kiosk
    stops with it (under a service manager, to be started again with its button). It used
    to go on deaf, its status well: the button's program gone (crashed, its GPIO chip
    busy) or standard input /dev/null."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self._stream = stream if stream is not None else sys.stdin
        self._ended = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="knotvoice-keys")
        self._thread.start()

    def _run(self) -> None:
        try:
            for _line in self._stream:
                self.press()
        finally:
            self._ended.set()

    def poll(self) -> bool:
        if super().poll():
            return True
        if self._ended.is_set():
            raise DeviceError(
                "--trigger push: standard input has ended, so no press can come (the "
                "button's program stopped; under a service with none it is /dev/null); pipe "
                "a button's presses in, a line each (docs/kiosk.md), or use --trigger vad or "
                "wake"
            )
        return False


def strip_wake_phrase(text: str, wake_phrase: str) -> str | None:
    """The question after the wake phrase ("" if it came alone), or None if it is missing.

    Recognisers spell the phrase loosely ("Hey, Kiosk." / "hey kiosks"), so the first words
    are compared fuzzily.
    """
    wake = words(wake_phrase)
    if not wake:
        return text.strip()
    heard = text.split()
    for size in (len(wake), len(wake) + 1, len(wake) - 1):
        if size <= 0 or size > len(heard):
            continue
        prefix = words(" ".join(heard[:size]))
        ratio = difflib.SequenceMatcher(None, " ".join(prefix), " ".join(wake)).ratio()
        if ratio >= 0.75:
            return " ".join(heard[size:]).lstrip(" ,.!?;:").strip()
    return None


def question_in(
    transcript: Transcript, mode: TriggerMode, wake_phrase: str, follow_up: bool
) -> Transcript | None:
    """The question an utterance asks: in ``wake`` mode, what follows the wake phrase (its
    text "" when the phrase came alone) unless the utterance follows a reply; None when the
    wake phrase is missing. The recognizer's other hearings lose the phrase too, and the
    words it covered are dropped."""
    text = transcript.text.strip()
    if mode is not TriggerMode.WAKE:
        return replace(transcript, text=text)
    question = strip_wake_phrase(text, wake_phrase)
    if question is None:
        return replace(transcript, text=text) if follow_up else None
    stripped = (strip_wake_phrase(other, wake_phrase) for other in transcript.alternatives)
    dropped = max(len(text.split()) - len(question.split()), 0)
    timing = transcript.timing
    return replace(
        transcript,
        text=question,
        alternatives=tuple(other for other in stripped if other),
        words=transcript.words[dropped:] if question else (),
        # Timings not yet worked out stay so, and lose the phrase's words when they are.
        timing=functools.partial(_words_after, timing, dropped) if question and timing else None,
    )


def _words_after(timing: Callable[[], tuple[Word, ...]], dropped: int) -> tuple[Word, ...]:
    return timing()[dropped:]
