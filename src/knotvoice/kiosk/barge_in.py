"""Listening while the kiosk speaks: a spoken "stop" (or a press) cuts the reply short.

What the microphone hears during a reply is mostly the kiosk itself, so it is never taken as
a question. The reply's echo is taken out (``echo``), then loud speech is recognised briefly
and checked for the language's stop words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from knotvoice.asr import Recognizer, RecognizerStream
from knotvoice.audio import AudioChunk
from knotvoice.kiosk.capture import Capture
from knotvoice.kiosk.echo import EchoCanceller, Reference, available
from knotvoice.kiosk.events import Event, Heard
from knotvoice.kiosk.speaker import Playback
from knotvoice.kiosk.triggers import Trigger
from knotvoice.kiosk.vad import Boundary, Endpointer
from knotvoice.lang import english, words
from knotvoice.settings import ListenSettings, VadSettings

__all__ = ["BargeIn"]

DETECTOR = "webrtc"
"""The voice detector that hears speech over a reply, whatever ``vad_detector`` says. What
it must tell apart is the visitor's voice from what is left of the kiosk's own, and silero
calls both a voice: with ``webrtc+silero`` here the echo of a loud reply alone once cut the
reply short, where webrtcvad's utterances did not (``docs/kiosk.md``)."""


class BargeIn:
    """Watches the microphone while a reply plays."""

    def __init__(
        self,
        settings: ListenSettings,
        recognizer: Recognizer,
        trigger: Trigger | None,
        emit: Callable[[Event], None],
        fail: Callable[[str, BaseException], None],
    ) -> None:
        self._settings = settings
        self._recognizer = recognizer
        self._trigger = trigger
        self._emit = emit
        self._fail = fail
        self._stop_words = frozenset(english().barge_in)

    def watch(
        self,
        playback: Playback,
        capture: Capture,
        until: float,
        reply: Sequence[AudioChunk] = (),
    ) -> bool:
        """Read the microphone until audio time ``until``, or until ``playback`` fails; True
        when a "stop" or a press cut the reply (``playback`` is stopped then). ``reply`` is
        what ``playback`` plays, from now: its echo is taken out of what the microphone
        hears."""
        settings = self._settings
        reference = None
        if settings.barge_in and settings.echo_cancel and reply and available():
            # Where the reply's first sound falls on the microphone's clock: what was heard
            # up to now, what was captured and not read yet, and the speaker's latency.
            heard_at = capture.now + capture.behind + playback.latency
            reference = Reference(reply, heard_at)
        if reference is None:
            return self._watch(playback, capture, until, None)
        with EchoCanceller() as canceller:
            return self._watch(playback, capture, until, (reference, canceller))

    def _watch(
        self,
        playback: Playback,
        capture: Capture,
        until: float,
        echo: tuple[Reference, EchoCanceller] | None,
    ) -> bool:
        settings = self._settings
        listener = Endpointer(
            VadSettings(
                detector=DETECTOR,
                aggressiveness=3,
                min_level_dbfs=settings.barge_in_min_level_dbfs,
                end_silence_seconds=0.3,
                max_utterance_seconds=settings.barge_in_max_seconds,
                preroll_seconds=0.2,
            )
        )
        stream: RecognizerStream | None = None
        started = 0.0
        while capture.now < until:
            if playback.error is not None:
                # The reply broke off: what the microphone hears next is a visitor, not it.
                return False
            chunk = capture.read()
            if self._trigger is not None and self._trigger.poll():
                playback.stop()
                return True
            if not settings.barge_in:
                continue
            if echo is not None:
                try:
                    chunk = echo[0].clean(echo[1], chunk)
                except Exception as error:  # the reply goes on, heard without it
                    self._fail("echo canceller", error)
                    echo = None
            for event in listener.push(chunk):
                try:
                    if event.kind is Boundary.START:
                        started = event.at
                        stream = self._recognizer.stream()
                    if stream is None:
                        continue
                    for frame in event.frames:
                        stream.accept(frame)
                    if event.kind is not Boundary.END:
                        continue
                    heard, stream = stream, None
                    text = heard.finish().text
                except Exception as error:
                    stream = None
                    self._fail("recognizer", error)
                    continue
                self._emit(
                    Heard(
                        event.at,
                        text,
                        started,
                        False,
                        ended=str(event.reason or ""),
                        behind_ms=round(capture.behind * 1000.0, 1),
                    )
                )
                if set(words(text)) & self._stop_words:
                    playback.stop()
                    return True
        return False
