"""The Wyoming side of ``knotvoice serve``: the only module that imports ``wyoming``.

What Home Assistant's Wyoming integration does, and what this answers:

- ``describe`` (to add the server, and at every Home Assistant start; it gives up after 1 s):
  ``info`` offering an installed ``handle`` program (the FAQ, a conversation agent), an
  ``asr`` program (knotvoice's recognizer, biased to the FAQ) and a ``tts`` program
  (knotvoice's voice), each in the knowledge's language. Home Assistant uses the first
  ``asr`` program, and a server that claims to be a satellite gets no entities: it claims
  none.
- ``transcript`` (one per conversation turn, on a connection of its own, with the
  conversation's id and, from a voice satellite, the satellite's): always ``handled``
  (an answer, a did-you-mean asked back in a conversation, or a no to one) or
  ``not-handled`` (a question turned away). Home Assistant speaks and shows the text of
  either; ``not-handled`` makes its turn an error ("failed to handle", as its own agent's for a sentence it does not
  know), and nothing falls back to Home Assistant's own intents after it (those are tried
  before the agent, when the pipeline prefers handling commands locally). It waits for one
  of the two with no time limit, and released versions ignore ``error``.
- ``transcribe``, ``audio-start``, ``audio-chunk``... ``audio-stop``: ``transcript``. Any
  rate, width and channel count; Home Assistant sends 16 kHz 16-bit mono.
- ``synthesize``: ``audio-start``, ``audio-chunk``... ``audio-stop``; at least one chunk
  (``SILENCE`` when there is nothing to say), since Home Assistant makes its WAV file from them.

The ``wyoming`` package's event reader trusts the lengths a client announces; this module
reads events itself, with limits, so a client that sends a 1 GB "chunk", a line of HTTP or
broken JSON gets one ``error`` event and a closed connection, and nobody else notices. At
most ``MAX_CONNECTIONS`` are open at once: one more gets a ``busy`` error, so a client that
opens thousands uses up neither the server's memory nor its files (the turn log, the
knowledge file).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import os
import signal
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

from wyoming.asr import Transcript as WyomingTranscript
from wyoming.audio import AudioChunk as WyomingChunk
from wyoming.audio import AudioStart, AudioStop
from wyoming.client import AsyncClient
from wyoming.error import Error
from wyoming.event import Event, async_write_event
from wyoming.handle import Handled, NotHandled
from wyoming.info import (
    AsrModel,
    AsrProgram,
    Attribution,
    Describe,
    HandleModel,
    HandleProgram,
    Info,
    TtsProgram,
    TtsVoice,
)
from wyoming.ping import Pong
from wyoming.server import AsyncEventHandler
from wyoming.tts import SynthesizeStopped

from knotvoice.audio import AudioChunk
from knotvoice.errors import KnotvoiceError
from knotvoice.lang import english
from knotvoice.match import MatchStage
from knotvoice.reload import Reloader
from knotvoice.serve.agent import Agent, Utterance
from knotvoice.settings import ServeSettings

__all__ = [
    "MAX_CONNECTIONS",
    "BadEvent",
    "Listening",
    "Server",
    "check",
    "describe",
    "read_event",
    "serve",
]

_log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_HEADER_BYTES = 64 * 1024
"""Longest event header line (JSON), in bytes."""
MAX_DATA_BYTES = 256 * 1024
"""Longest event data block (JSON), in bytes."""
MAX_PAYLOAD_BYTES = 2 * 1024 * 1024
"""Largest event payload (an audio chunk), in bytes: 2 MiB is over 5 s of 48 kHz stereo
32-bit audio, and Home Assistant sends 10 ms at a time."""
MAX_CONVERSATION_ID_CHARS = 100
"""Longest conversation id logged with a turn, in characters (Home Assistant's are 26);
another is taken for none."""
LINGER_SECONDS = 2.0
"""After refusing a client, what it still sends is read and dropped for this long at most,
so that it reads the ``error`` before the connection ends (closing a socket with unread
data in it resets the connection, and the client may lose the error)."""
LINGER_BYTES = 32 * 1024 * 1024
"""... and at most this many bytes."""
MAX_CONNECTIONS = 64
"""Connections open at once; one more is told the server is busy and closed. Home Assistant
opens one per request (a few per voice satellite at a time); each connection holds up to
``max_audio_seconds`` of audio (about 2 MB) and a file descriptor."""
REFUSALS_TOLD_EVERY = 60.0
"""Seconds between log lines of connections refused as one too many."""
STOP_GRACE_SECONDS = 5.0
"""On stop, connections still busy after this long are cut."""
GONE_CHECK_SECONDS = 0.1
"""While a request is heard, how often the client is looked at for having ended its side."""
IDLE_CHECK_SECONDS = 0.05
"""While stopping, how often open connections are looked at for one that went idle."""
SILENCE = AudioChunk(bytes(2 * 2205), rate=22050, width=2, channels=1)
"""What ``synthesize`` sends for a text with nothing to say (0.1 s at espeak-ng's rate): Home
Assistant makes its WAV file from the chunks, and with none has no file to play or convert."""

NAME = "knotvoice"
"""The name of the first program Home Assistant looks at (speech-to-text, else the voice, else
the FAQ agent): it titles the integration's entry and is part of the id of an entry found by
zeroconf, so it stays as it was; another name there would be found as a new server."""
NAMES = {"asr": "knotvoice speech-to-text", "tts": "knotvoice voice", "handle": "knotvoice FAQ"}
"""What Home Assistant shows of each of the other programs: the name of its entity."""
ATTRIBUTION = Attribution(name="knotvoice", url="")
"""Home Assistant reads neither field; knotvoice has no address of its own to give."""
CREDITS = {
    "whisper": Attribution(
        name="faster-whisper (OpenAI Whisper)", url="https://github.com/SYSTRAN/faster-whisper"
    ),
    "vosk": Attribution(name="Alpha Cephei", url="https://alphacephei.com/vosk/"),
    "espeak-ng": Attribution(name="eSpeak NG", url="https://github.com/espeak-ng/espeak-ng"),
}
"""Who made the engine a model or voice is of, with their project's address, as other
Wyoming servers credit theirs (an engine not listed is credited to knotvoice)."""
_HTTP_METHODS = (b"GET ", b"POST ", b"PUT ", b"HEAD ", b"DELETE ", b"OPTIONS ", b"PATCH ")


def _version() -> str:
    try:
        return metadata.version("knotvoice")
    except metadata.PackageNotFoundError:
        return "0"


# --- reading events, with limits ------------------------------------------------------------


class ClientGone(ConnectionError):
    """Writing to a client failed: it left (Home Assistant cancelled a pipeline) or stopped
    reading. Only this ends a turn quietly; a ``ConnectionError`` an engine raises is a
    failure the client is told of."""


class BadEvent(KnotvoiceError):
    """A client sent something that is not a well-formed Wyoming event."""

    def __init__(self, message: str, code: str = "bad-event") -> None:
        super().__init__(message)
        self.code = code
        """Machine-readable reason, sent as the ``error`` event's ``code``."""


def _length(header: dict[str, Any], name: str, limit: int) -> int:
    value = header.get(name)
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BadEvent(f"{name} must be a whole number of bytes, not {value!r}")
    if value > limit:
        raise BadEvent(
            f"{name} {value} is larger than this server takes ({limit} bytes); "
            "send audio in smaller chunks",
            code="too-large",
        )
    return value


async def read_event(reader: asyncio.StreamReader) -> Event | None:
    """The next event, or None at the end of the stream. ``BadEvent`` for anything else."""
    try:
        line = await reader.readline()
    except ValueError:  # asyncio's limit on one line
        raise BadEvent(
            f"event header longer than {MAX_HEADER_BYTES} bytes", code="too-large"
        ) from None
    if not line:
        return None
    if line.startswith(_HTTP_METHODS):
        raise BadEvent(
            "this is a Wyoming server (add it to Home Assistant's Wyoming integration), "
            "not a web server",
            code="not-wyoming",
        )
    try:
        header = json.loads(line)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadEvent("not a Wyoming event: the line is not JSON", code="not-wyoming") from None
    if not isinstance(header, dict) or not isinstance(header.get("type"), str):
        raise BadEvent("not a Wyoming event: no 'type'", code="not-wyoming")
    data = header.get("data") or {}
    if not isinstance(data, dict):
        raise BadEvent(f"{header['type']}: 'data' must be a JSON object")
    data_length = _length(header, "data_length", MAX_DATA_BYTES)
    payload_length = _length(header, "payload_length", MAX_PAYLOAD_BYTES)
    try:
        if data_length:
            extra = json.loads(await reader.readexactly(data_length))
            if not isinstance(extra, dict):
                raise BadEvent(f"{header['type']}: its data block must be a JSON object")
            data = {**data, **extra}
        payload = await reader.readexactly(payload_length) if payload_length else None
    except asyncio.IncompleteReadError:
        return None  # the client went away mid-event
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadEvent(f"{header['type']}: its data block is not JSON") from None
    return Event(type=header["type"], data=data, payload=payload)


# --- what the server offers -----------------------------------------------------------------


def describe(agent: Agent) -> Info:
    """The ``info`` that tells Home Assistant what this server offers."""
    language = english().code
    knowledge = agent.knowledge
    source = Path(knowledge.source).name or "the FAQ"
    version = _version()
    # Each program its own name, as Home Assistant lists them side by side (a speech-to-text,
    # a voice and a conversation agent all called "knotvoice"), but for the first.
    offered = [
        kind
        for kind, there in (
            ("asr", agent.recognizer is not None),
            ("tts", agent.synthesizer is not None),
            ("handle", True),
        )
        if there
    ]
    names = {kind: NAME if kind == offered[0] else NAMES[kind] for kind in offered}
    if names["handle"] != NAME and Path(knowledge.source).stem:
        names["handle"] += f" ({Path(knowledge.source).stem})"
    handle = HandleProgram(
        name=names["handle"],
        attribution=ATTRIBUTION,
        installed=True,
        description="Answers questions from an FAQ, offline",
        version=version,
        models=[
            HandleModel(
                name=Path(knowledge.source).stem or "faq",
                attribution=ATTRIBUTION,
                installed=True,
                description=f"{len(knowledge.entries)} questions and answers from {source}",
                version=version,
                languages=[language],
            )
        ],
    )
    asr: list[AsrProgram] = []
    if agent.recognizer is not None:
        engine = agent.recognizer.name
        asr.append(
            AsrProgram(
                name=names["asr"],
                attribution=ATTRIBUTION,
                installed=True,
                description=f"Speech-to-text with {engine}, biased to the FAQ's words",
                version=version,
                models=[
                    AsrModel(
                        name=engine,
                        attribution=CREDITS.get(engine, ATTRIBUTION),
                        installed=True,
                        description=f"{engine}, biased to the words of {source}",
                        version=version,
                        languages=[language],
                    )
                ],
            )
        )
    tts: list[TtsProgram] = []
    if agent.synthesizer is not None:
        voice = agent.synthesizer.settings.voice or "default"
        tts.append(
            TtsProgram(
                name=names["tts"],
                attribution=ATTRIBUTION,
                installed=True,
                description="knotvoice's voice (espeak-ng)",
                version=version,
                voices=[
                    TtsVoice(
                        name=voice,
                        attribution=CREDITS["espeak-ng"],
                        installed=True,
                        description=f"espeak-ng {voice}",
                        version=version,
                        languages=[language],
                    )
                ],
            )
        )
    return Info(asr=asr, tts=tts, handle=[handle])


# --- one connection -------------------------------------------------------------------------


def _text(event: Event, name: str = "text") -> str:
    value = event.data.get(name)
    if not isinstance(value, str):
        raise BadEvent(f"{event.type}: '{name}' must be text, not {value!r}")
    return value


class Connection(AsyncEventHandler):
    """One client's connection: reads its events and answers each in turn."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        agent: Agent,
        idle_seconds: float,
    ) -> None:
        super().__init__(reader, writer)
        self.agent = agent
        self.idle_seconds = idle_seconds
        self._utterance: Utterance | None = None
        self._waiting = False
        self.leaving = False
        """The client has ended its side while a request is heard: it takes no place."""
        self._streamed: list[str] | None = None
        """The text of a stream of it (synthesize-start, then its chunks) being sent."""
        self._streamed_said = False
        """That stream's whole text came as a ``synthesize`` too, and was said."""
        self._handlers: dict[str, Callable[[Event], Awaitable[None]]] = {
            "describe": self._describe,
            "transcript": self._transcript,
            "transcribe": self._transcribe,
            "audio-start": self._audio_start,
            "audio-chunk": self._audio_chunk,
            "audio-stop": self._audio_stop,
            "synthesize": self._synthesize,
            "synthesize-start": self._synthesize_start,
            "synthesize-chunk": self._synthesize_chunk,
            "synthesize-stop": self._synthesize_stop,
            "ping": self._ping,
        }

    async def run(self) -> None:
        """Read and answer events until the client leaves, idles or sends something broken."""
        try:
            while True:
                self._waiting = True
                try:
                    async with asyncio.timeout(self.idle_seconds):
                        event = await read_event(self.reader)
                except TimeoutError:
                    _log.debug("closing a connection idle for %.0f s", self.idle_seconds)
                    if self._utterance is not None:
                        # a stream left open: the client hears why its question went unheard
                        await self._refuse(
                            f"no audio for {self.idle_seconds:g} s in the middle of a stream; "
                            "its audio is dropped (end a question with audio-stop)",
                            "idle",
                        )
                    break
                except BadEvent as error:
                    _log.info("bad event from a client: %s", error)
                    await self._refuse(str(error), error.code)
                    break
                finally:
                    self._waiting = False
                if event is None or not await self.handle_event(event):
                    break
        except (ConnectionError, OSError) as error:
            _log.debug("connection lost: %s", error)
        finally:
            await self._close()

    async def turn_away(self, text: str, code: str) -> None:
        """Refuse the client: one ``error``, then the connection closes, within a second.
        What the client sent meanwhile (Home Assistant's describe, at once) is read and
        dropped until it closes its side: a socket closed with data unread resets the
        connection, and the client would see the reset, not the error."""
        with contextlib.suppress(ConnectionError, OSError, TimeoutError):
            async with asyncio.timeout(1.0):
                await async_write_event(Error(text=text, code=code).event(), self.writer)
                if self.writer.can_write_eof():
                    self.writer.write_eof()
                while await self.reader.read(64 * 1024):
                    pass
        await self._close()

    async def tell_stopping(self) -> None:
        """Tell the client its request is cut as the server stops (it heard nothing, and its
        next write failed); at most a second, whatever it does (one already refused has
        ended its sending side)."""
        if self.writer.transport.is_closing() or not self.writer.can_write_eof():
            return
        with contextlib.suppress(ConnectionError, OSError, TimeoutError, RuntimeError):
            async with asyncio.timeout(1.0):
                await async_write_event(
                    Error(
                        text="the server is stopping; ask again in a moment", code="stopping"
                    ).event(),
                    self.writer,
                )

    async def _close(self) -> None:
        self._forget()
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError, TimeoutError):
            async with asyncio.timeout(1.0):
                await self.writer.wait_closed()

    @property
    def idle(self) -> bool:
        """Waiting for the client's next request, with none under way (no audio stream
        open, nothing being answered): it can be cut at once."""
        return self._waiting and self._utterance is None

    async def handle_event(self, event: Event) -> bool:
        handler = self._handlers.get(event.type)
        if handler is None:
            # Unknown events (and streaming ones this server does not offer) are ignored:
            # closing on them breaks clients that try them first.
            _log.debug("ignored a %r event", event.type)
            return True
        try:
            await handler(event)
        except BadEvent as error:
            _log.info("bad event from a client: %s", error)
            await self._refuse(str(error), error.code)
            return False
        except KnotvoiceError as error:
            _log.warning("%s: %s", event.type, error)
            await self._refuse(str(error), "failed")
            return False
        except ClientGone:
            raise  # the client is gone (Home Assistant cancelled): no bug, nobody to tell
        except Exception:  # a bug: this client is told, the others go on
            _log.exception("%s failed", event.type)
            await self._refuse(f"{event.type} failed inside the server; see its log", "failed")
            return False
        return True

    async def write_event(self, event: Event) -> None:
        """Send ``event``; ``ClientGone`` when the client is gone, or reads nothing for the
        idle time (it would not read an ``error`` either)."""
        try:
            async with asyncio.timeout(self.idle_seconds):
                await async_write_event(event, self.writer)
        except TimeoutError:
            raise ClientGone(f"the client read nothing for {self.idle_seconds:.0f} s") from None
        except (ConnectionError, OSError) as error:
            raise ClientGone(str(error) or type(error).__name__) from None

    async def _refuse(self, text: str, code: str) -> None:
        """Send one ``error``, end the sending side, and drop what the client still sends
        (bounded) until it closes too."""
        with contextlib.suppress(ConnectionError, OSError, TimeoutError):
            await self.write_event(Error(text=text, code=code).event())
            if self.writer.can_write_eof():
                self.writer.write_eof()
            dropped = 0
            async with asyncio.timeout(LINGER_SECONDS):
                while dropped < LINGER_BYTES:
                    data = await self.reader.read(64 * 1024)
                    if not data:
                        break
                    dropped += len(data)

    async def _describe(self, event: Event) -> None:
        await self.write_event(describe(self.agent).event())

    async def _ping(self, event: Event) -> None:
        text = event.data.get("text")
        await self.write_event(Pong(text=text if isinstance(text, str) else None).event())

    async def _transcript(self, event: Event) -> None:
        text = _text(event)
        context = event.data.get("context")
        if not isinstance(context, dict):
            context = {}
        conversation = context.get("conversation_id")
        if not isinstance(conversation, str) or len(conversation) > MAX_CONVERSATION_ID_CHARS:
            conversation = None  # not one Home Assistant sends: not logged
        satellite = context.get("satellite_id")
        if not isinstance(satellite, str) or not satellite:
            satellite = None
        reply = await self.agent.answer(text, conversation, satellite)
        answer = Handled(text=reply.text) if reply.handled else NotHandled(text=reply.text)
        await self.write_event(answer.event())

    async def _transcribe(self, event: Event) -> None:
        if self.agent.recognizer is None:
            raise BadEvent("this server offers no speech-to-text", code="unsupported")
        self._forget()

    async def _audio_start(self, event: Event) -> None:
        if self.agent.recognizer is None:
            raise BadEvent("this server offers no speech-to-text", code="unsupported")
        self._format(event)
        self._forget()
        self._utterance = self.agent.utterance()

    def _forget(self) -> None:
        """Drop the utterance under way, if any, and what was heard of it meanwhile."""
        if self._utterance is not None:
            self._utterance.close()
        self._utterance = None

    async def _audio_chunk(self, event: Event) -> None:
        rate, width, channels = self._format(event)
        if self._utterance is None:
            await self._audio_start(event)
        assert self._utterance is not None
        self._utterance.add(event.payload or b"", rate, width, channels)

    async def _audio_stop(self, event: Event) -> None:
        utterance, self._utterance = self._utterance, None
        if utterance is None:
            raise BadEvent("audio-stop without audio-start")
        transcript = await self._leaving_seen(self.agent.transcribe(utterance))
        await self.write_event(
            WyomingTranscript(text=transcript.text, language=english().code).event()
        )

    async def _leaving_seen(self, work: Awaitable[T]) -> T:
        """What ``work`` gives, noting meanwhile whether the client has ended its side
        (``leaving``): Home Assistant closes the connection of a pipeline it cancels, and
        such a client was found gone only once its transcript was written, holding one of
        the server's places while its audio waited to be heard (70 of them turned others
        away as busy). Its place is free at once; the work goes on, for a client that only
        ended its sending side still reads the transcript (``nc -N``)."""
        task = asyncio.ensure_future(work)
        try:
            while not self.leaving:
                done, _ = await asyncio.wait({task}, timeout=GONE_CHECK_SECONDS)
                if done:
                    break
                self.leaving = self.reader.at_eof()
            return await task
        finally:
            task.cancel()

    async def _synthesize(self, event: Event) -> None:
        if self._streamed is not None:
            self._streamed_said = True
        await self._say(_text(event))

    # Home Assistant sends every reply as a stream (since 2025.8 or so), though the server
    # says it takes none: synthesize-start, the text in chunks, the whole text again as a
    # synthesize (said as above), synthesize-stop; and it reads until synthesize-stopped.
    # Without it, each reply was late by the connection's idle time (60 s).
    async def _synthesize_start(self, event: Event) -> None:
        self._streamed, self._streamed_said = [], False

    async def _synthesize_chunk(self, event: Event) -> None:
        if self._streamed is not None:
            self._streamed.append(_text(event))

    async def _synthesize_stop(self, event: Event) -> None:
        streamed, self._streamed = self._streamed, None
        if streamed is not None and not self._streamed_said:
            await self._say("".join(streamed))  # a stream with no synthesize in it
        await self.write_event(SynthesizeStopped().event())

    async def _say(self, text: str) -> None:
        """``text`` spoken, as audio-start, its chunks and audio-stop."""
        if self.agent.synthesizer is None:
            raise BadEvent("this server offers no text-to-speech", code="unsupported")
        audio = await self.agent.synthesize(text) or [SILENCE]
        first = audio[0]
        await self.write_event(
            AudioStart(rate=first.rate, width=first.width, channels=first.channels).event()
        )
        for chunk in audio:
            wyoming_chunk = WyomingChunk(
                rate=chunk.rate,
                width=chunk.width,
                channels=chunk.channels,
                audio=chunk.audio,
                timestamp=int(chunk.timestamp * 1000),
            )
            await self.write_event(wyoming_chunk.event())
        await self.write_event(AudioStop().event())

    def _format(self, event: Event) -> tuple[int, int, int]:
        data = event.data
        try:
            return Utterance.check_format(data.get("rate"), data.get("width"), data.get("channels"))
        except KnotvoiceError as error:
            raise BadEvent(f"{event.type}: {error}") from None


# --- the server -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Listening:
    """Where the server listens."""

    uri: str
    """As a client would reach it (the real port when 0 was asked for)."""
    host: str | None
    """The TCP address bound (None for a Unix socket)."""
    port: int | None


def _every_ipv6_address(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.version == 6 and address.is_unspecified


class Server:
    """Listens for Wyoming clients and serves each connection as its own task."""

    def __init__(
        self,
        agent: Agent,
        uri: str,
        idle_seconds: float = 60.0,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.agent = agent
        self.uri = uri
        self.idle_seconds = idle_seconds
        self.max_connections = max_connections
        self.refused = 0
        """Connections refused for being one too many."""
        self._refusals_told: tuple[float, int] | None = None
        """When refusals were last logged, and how many there had been then."""
        self._refusals_due: asyncio.TimerHandle | None = None
        """The log line of refusals not yet told, to come."""
        self._server: asyncio.AbstractServer | None = None
        self._tasks: dict[asyncio.Task[None], Connection] = {}
        self._socket: Path | None = None
        """The Unix socket this server made (removed on stop)."""

    async def start(self) -> Listening:
        """Start listening; ``KnotvoiceError`` when the address cannot be used.

        ``tcp://[::]:PORT`` takes IPv4 clients as well as IPv6 ones (asyncio alone would take
        IPv6 only), since ``--zeroconf`` announces the IPv4 address of a server listening on
        every address."""
        parsed = urlparse(self.uri)
        try:
            if parsed.scheme == "tcp":
                if parsed.hostname is None or parsed.port is None:
                    raise KnotvoiceError(
                        f"{self.uri}: give a host and a port, e.g. tcp://0.0.0.0:10500"
                    )
                if _every_ipv6_address(parsed.hostname) and socket.has_dualstack_ipv6():
                    both = socket.create_server(
                        (parsed.hostname, parsed.port),
                        family=socket.AF_INET6,
                        dualstack_ipv6=True,
                    )
                    self._server = await asyncio.start_server(
                        self._accept, sock=both, limit=MAX_HEADER_BYTES
                    )
                else:
                    self._server = await asyncio.start_server(
                        self._accept, parsed.hostname, parsed.port, limit=MAX_HEADER_BYTES
                    )
                host, port = self._server.sockets[0].getsockname()[:2]
                shown = f"[{host}]" if ":" in str(host) else str(host)
                return Listening(f"tcp://{shown}:{port}", str(host), int(port))
            if parsed.scheme == "unix" and parsed.path:
                path = Path(parsed.path)
                if path.exists() and not path.is_socket():
                    raise KnotvoiceError(
                        f"{self.uri}: {path} is a file, not a socket left by a server before; "
                        "pick another path with --uri"
                    )
                if path.is_socket() and _answers(path):
                    raise KnotvoiceError(
                        f"{self.uri}: another server is listening on {path}; stop it, or pick "
                        "another path with --uri"
                    )
                path.unlink(missing_ok=True)  # a socket left by a server that was killed
                self._server = await asyncio.start_unix_server(
                    self._accept, parsed.path, limit=MAX_HEADER_BYTES
                )
                self._socket = path
                return Listening(self.uri, None, None)
        except OSError as error:
            raise KnotvoiceError(
                f"cannot listen on {self.uri} ({error.strerror or error}); "
                "is another server using it? pick another with --uri"
            ) from None
        raise KnotvoiceError(f"{self.uri}: use tcp://HOST:PORT or unix://PATH")

    def _tell_refusals(self, now_or_never: bool = False) -> None:
        """Log the first refusal, then those since at most once every
        ``REFUSALS_TOLD_EVERY`` seconds, as the next comes after it or when it has passed:
        one line a minute for a flood, and a burst is told within a minute (one line a
        thousand refusals hid how many clients were turned away). ``now_or_never``: those
        not yet told, at once (on stop)."""
        now = time.monotonic()
        told = self._refusals_told
        if told is not None:
            since = self.refused - told[1]
            wait = told[0] + REFUSALS_TOLD_EVERY - now
            if not since:
                return
            if wait > 0 and not now_or_never:
                if self._refusals_due is None:
                    loop = asyncio.get_running_loop()
                    self._refusals_due = loop.call_later(wait, self._refusals_now)
                return
        _log.warning(
            "refused %s: %d are open already, the most this server takes (%d refused so far)",
            "a connection"
            if told is None
            else f"{since} connection{'s' * (since > 1)} in the last {now - told[0]:.0f} s",
            self.connections,
            self.refused,
        )
        self._refusals_told = (now, self.refused)

    def _refusals_now(self) -> None:
        self._refusals_due = None
        self._tell_refusals(now_or_never=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        connection = Connection(reader, writer, self.agent, self.idle_seconds)
        if self.connections >= self.max_connections:
            self.refused += 1
            self._tell_refusals()
            try:
                await connection.turn_away(
                    f"the server is busy: {self.connections} connections are open, the most "
                    "it takes; try again later",
                    "busy",
                )
            except asyncio.CancelledError:  # cut on stop, as those served are (below)
                _log.debug("cut a connection being turned away on stop")
            return
        if task is not None:
            self._tasks[task] = connection
        try:
            await connection.run()
        except asyncio.CancelledError:
            # Cut on stop. Ended here, not cancelled: asyncio's stream server logs a
            # connection task that ends cancelled as an error, with a traceback.
            _log.debug("cut a connection still open on stop")
        except Exception:  # one broken connection never stops the others
            _log.exception("a connection failed")
        finally:
            if task is not None:
                self._tasks.pop(task, None)

    @property
    def connections(self) -> int:
        """Connections open now, but for those whose client has left while its request is
        heard (``Connection.leaving``)."""
        return sum(not connection.leaving for connection in self._tasks.values())

    @property
    def busy(self) -> int:
        """Connections with a request under way (an audio stream open, a reply being made)."""
        return sum(not connection.idle for connection in self._tasks.values())

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop listening, cut the connections waiting for a request at once, let those
        answering one finish it for up to ``grace`` seconds (cut as soon as they wait for
        the next), then cut the rest."""
        if self._server is not None:
            self._server.close()
        if self._refusals_due is not None:
            self._refusals_due.cancel()
            self._refusals_now()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        pending = set(self._tasks)
        cut: set[asyncio.Task[None]] = set()
        while pending:
            for task in pending - cut:
                connection = self._tasks.get(task)
                if connection is not None and connection.idle:
                    task.cancel()
                    cut.add(task)
            left = deadline - loop.time()
            if left <= 0:
                break
            _done, pending = await asyncio.wait(pending, timeout=min(left, IDLE_CHECK_SECONDS))
        if pending:
            busy = [self._tasks[task] for task in pending - cut if task in self._tasks]
            if busy:
                _log.warning(
                    "stopping: cut %d request%s still under way after %g s, told to ask again",
                    len(busy),
                    "s" * (len(busy) > 1),
                    grace,
                )
                await asyncio.gather(*(connection.tell_stopping() for connection in busy))
            for task in pending - cut:
                task.cancel()
            await asyncio.wait(pending, timeout=1.0)
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await self._server.wait_closed()
        if self._socket is not None:
            self._socket.unlink(missing_ok=True)
            self._socket = None


def _answers(path: Path) -> bool:
    """Whether a server is listening on the unix socket ``path`` (one left by a server that
    was killed refuses the connection)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


async def serve(
    agent: Agent,
    reloader: Reloader[MatchStage],
    settings: ServeSettings,
    *,
    ready: Callable[[Listening], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until ``stop`` is set, SIGTERM or SIGINT: listen, announce the server when
    asked, follow the knowledge file (at once on SIGHUP), and on the way out withdraw, let
    open connections finish (``STOP_GRACE_SECONDS`` at most) and close the agent."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = []
    for number in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(number, stop.set)
            signals.append(number)
    # SIGHUP reads the knowledge file again now, as the kiosk does (`systemctl reload`);
    # without a handler it would end the server.
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGHUP, reloader.read_again_soon)
        signals.append(signal.SIGHUP)
    server = Server(agent, settings.uri, settings.idle_seconds)
    try:
        listening = await server.start()
        async with contextlib.AsyncExitStack() as stack:
            if settings.zeroconf is not None:
                if listening.port is None or listening.host is None:
                    raise KnotvoiceError("--zeroconf needs a tcp:// --uri; Unix sockets are local")
                from knotvoice.serve.zeroconf import announced, instance_name

                name = instance_name(settings.zeroconf)
                await stack.enter_async_context(announced(name, listening.host, listening.port))
            stack.enter_context(reloader.running(settings.reload_seconds))
            _log.info("serving %s on %s", reloader.path, listening.uri)
            if ready is not None:
                ready(listening)
            await stop.wait()
    finally:
        for number in signals:
            loop.remove_signal_handler(number)
        await server.stop()
        agent.close()


# --- the health check -----------------------------------------------------------------------


async def check(uri: str, timeout: float = 3.0) -> str:
    """One real ``describe``/``info`` round trip with the server at ``uri``: a line saying
    what it offers, or ``KnotvoiceError`` saying what went wrong."""
    try:
        if not uri.startswith(("tcp://", "unix://")):
            raise ValueError("use tcp://HOST:PORT or unix://PATH")
        client = AsyncClient.from_uri(uri)
    except ValueError as error:
        raise KnotvoiceError(f"{uri}: {error}; e.g. tcp://127.0.0.1:10500") from None
    try:
        async with asyncio.timeout(timeout):
            await client.connect()
            try:
                await client.write_event(Describe().event())
                while True:
                    try:
                        event = await client.read_event()
                    except ValueError:  # no line of JSON: another protocol
                        event = None
                    if event is None:
                        raise KnotvoiceError(
                            f"{uri}: no Wyoming answer to describe; is it a Wyoming server "
                            "(`knotvoice serve`)?"
                        )
                    if event.type == "info":
                        break
                    if Error.is_type(event.type):
                        refusal = event.data.get("text") or event.data.get("code") or "no reason"
                        raise KnotvoiceError(f"{uri}: the server refused to describe: {refusal}")
            finally:
                await client.disconnect()
    except TimeoutError:
        raise KnotvoiceError(f"{uri}: no answer to describe within {timeout:g} s") from None
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise KnotvoiceError(
            f"{uri}: cannot connect ({reason}); is `knotvoice serve` running there?"
        ) from None
    try:
        info = Info.from_event(event)
    except (KeyError, TypeError, ValueError) as error:
        raise KnotvoiceError(f"{uri}: the server's info is malformed ({error})") from None
    offers = [
        f"{kind} {program.name}"
        for kind, programs in (("handle", info.handle), ("asr", info.asr), ("tts", info.tts))
        for program in programs
        if program.installed
    ]
    if not offers:
        raise KnotvoiceError(f"{uri}: the server offers nothing installed")
    return f"{uri}: ok, offers {', '.join(offers)}"
