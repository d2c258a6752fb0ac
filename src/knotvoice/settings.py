"""Settings, built once from the command line, a config file and the environment.

Precedence: command-line flag, then environment variable, then the TOML config file
(``--config`` or ``KNOTVOICE_CONFIG``), then the default. A relative path in the config file
is taken from the file's own folder (a service started from ``/`` finds its knowledge); one
given as a flag or in the environment, from the current folder. Every setting of every stage is a
frozen dataclass defined here; the rest of the code receives them and never reads the
environment itself.

A config file holds the top-level settings as keys, the kiosk's under ``[listen]`` and the
server's under ``[serve]``::

    knowledge = "knowledge/my-faq.yaml"
    input_device = "USB"

    [listen]
    trigger = "wake"
    end_silence = 0.7
    screen = "127.0.0.1:8080"
    keep_audio = 7
    keep_audio_mb = 1000

    [serve]
    uri = "tcp://0.0.0.0:10500"
    zeroconf = true
"""

from __future__ import annotations

import contextlib
import enum
import math
import os
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from knotvoice.errors import KnotvoiceError
from knotvoice.journal import default_log_dir

PROJECT_DIR = Path(__file__).resolve().parents[2]
"""The checkout this package runs from (its knowledge/ and models/ live here)."""

ENVIRONMENT = {
    "knowledge": "KNOTVOICE_KNOWLEDGE",
    "engine": "KNOTVOICE_ENGINE",
    "model": "KNOTVOICE_MODEL",
    "models_dir": "KNOTVOICE_MODELS",
    "input_device": "KNOTVOICE_INPUT_DEVICE",
    "output_device": "KNOTVOICE_OUTPUT_DEVICE",
    "voice": "KNOTVOICE_VOICE",
    "speech_rate": "KNOTVOICE_SPEECH_RATE",
    "model_url": "KNOTVOICE_MODEL_URL",
    "log_dir": "KNOTVOICE_LOG_DIR",
}


class SettingsError(KnotvoiceError):
    """A config file or setting is invalid."""


WHISPER_THREADS = 1
"""Threads of each pass of whisper's model, unless ``whisper_threads`` says otherwise. A beam
search is hundreds of small steps, and on two threads each step waits on the other: on the
2-core test machine a question took 320 to 333 ms to hear on one thread and 400 to 446 ms on
two (``docs/kiosk.md``). The other core is left to the microphone, the voice activity
detector and the matcher."""
VAD_DETECTORS = ("webrtc+silero", "webrtc", "silero")
"""The voice detectors ``VadSettings.detector`` names, the default first."""


@dataclass(frozen=True)
class VadSettings:
    """How speech is found and where an utterance ends."""

    detector: str = VAD_DETECTORS[0]
    """What tells a voice from other sound: ``webrtc+silero`` (webrtcvad's speech where
    silero's small neural model agrees: a question ends with the voice when noise starts with
    it, and noise alone starts none; a little CPU on every frame), ``webrtc`` alone (noise
    that starts with the voice holds a question open until it stops) or ``silero`` alone
    (it misses some telephone-band speech; ``docs/kiosk.md``). The barge-in listener always
    uses webrtcvad (``kiosk/barge_in.py``)."""
    aggressiveness: int = 2
    """0 (lenient) to 3 (strict about what counts as speech): webrtcvad's mode (also with
    ``webrtc+silero``, where silero's part is fixed), or silero's threshold alone (0.3, 0.4,
    0.5, 0.6)."""
    min_level_dbfs: float = -50.0
    """Frames quieter than this (dB relative to full scale) never count as speech."""
    noise_margin_db: float | None = 8.0
    """Frames less than this many dB above the room's background (the quietest stretch of
    the last ``noise_window_seconds``) never count as speech; None turns it off."""
    noise_window_seconds: float = 5.0
    """How far back the room's background is looked for."""
    start_seconds: float = 0.12
    """Speech needed within ``start_window_seconds`` before an utterance starts."""
    start_window_seconds: float = 0.3
    """Window in which ``start_seconds`` of speech must occur."""
    end_silence_seconds: float = 0.5
    """Trailing silence that ends an utterance."""
    end_silence_unsure_seconds: float = 1.5
    """Trailing silence that ends an utterance when what was said before it cannot be
    answered or is not over (a visitor hesitating: "where do I... get a ticket", "can I
    buy a... day pass"); at or below
    ``end_silence_seconds``, none is waited for."""
    max_utterance_seconds: float = 15.0
    """An utterance is cut after this long even if the speaker goes on."""
    preroll_seconds: float = 0.3
    """Audio kept from before the start so the first syllable reaches the recognizer."""


@dataclass(frozen=True)
class MicrophoneSettings:
    """Which capture device to open and how."""

    device: str | None = None
    """An index or a part of the device name; None for the system default."""
    rate: int | None = None
    """Capture rate in Hertz; None for the device's default rate."""
    channels: int = 1
    """Channels to capture (1 or 2; stereo is mixed down). Falls back to 2 if mono fails."""
    block_seconds: float = 0.03
    """Length of each block read from the device, in seconds."""
    backlog_seconds: float = 30.0
    """Audio kept waiting while the kiosk is busy, in seconds; the device is read on."""
    read_timeout_seconds: float = 5.0
    """Wall-clock seconds without any audio after which the device counts as gone."""


@dataclass(frozen=True)
class SpeakerSettings:
    """Which playback device to use and how."""

    device: str | None = None
    """An index or a part of the device name; None for the system default."""
    rate: int | None = None
    """Playback rate in Hertz; None plays at the reply's own rate when the device takes it,
    else at the device's default rate."""
    block_seconds: float = 0.05
    """Audio written per step, in seconds; a stop takes effect within one step."""


@dataclass(frozen=True)
class VoiceSettings:
    voice: str | None = None
    """pyttsx3 voice id or a part of its name (None: the engine's default)."""
    rate: int = 165
    """Speaking rate in words per minute."""
    volume: float = 1.0
    """Volume in [0, 1]."""


class TriggerMode(enum.StrEnum):
    VAD = "vad"
    """Always listening: any speech is a question."""
    WAKE = "wake"
    """Only speech that starts with the wake phrase (or follows a reply closely) counts."""
    PUSH = "push"
    """Only speech after a trigger press (a key, a button) counts."""


@dataclass(frozen=True)
class ScreenSettings:
    """Where the kiosk's screen (a web page for its display) is served."""

    host: str = "127.0.0.1"
    """The address to listen on: loopback unless another is given."""
    port: int = 8080
    """The TCP port (0: any free one)."""

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"


@dataclass(frozen=True)
class ListenSettings:
    """How the kiosk listens, when it answers and when it stops."""

    mode: TriggerMode = TriggerMode.VAD
    wake_phrase: str = "hey kiosk"
    """Words a question must start with in ``wake`` mode (a trigger press also does)."""
    follow_up_seconds: float = 8.0
    """After a reply, speech starting within this long needs no wake phrase or press (0: none)."""
    no_speech_timeout_seconds: float = 8.0
    """After a press, a lone wake phrase or a did-you-mean, how long to wait for speech."""
    max_turns: int | None = None
    """Stop after this many answered or rejected questions (None: run until stopped)."""
    idle_exit_seconds: float | None = None
    """Stop after this much audio in which nobody spoke (None: never)."""
    slow_rate: int = 120
    """Speaking rate in words per minute for "slower, please"."""
    barge_in: bool = True
    """Let a spoken "stop" cut a reply short (a trigger press always can)."""
    barge_in_min_level_dbfs: float = -35.0
    """Speech quieter than this (dB full scale) during a reply is taken for the kiosk's own echo."""
    barge_in_max_seconds: float = 2.0
    """Longest stretch recognised while listening for "stop" during a reply."""
    echo_tail_seconds: float = 0.3
    """Audio after the end of a reply still treated as its echo."""
    echo_cancel: bool = True
    """Take the reply's echo out of what the microphone hears while it plays (needs
    libspeexdsp), so a spoken "stop" is heard over the kiosk's own voice."""
    vad: VadSettings = field(default_factory=VadSettings)
    microphone: MicrophoneSettings = field(default_factory=MicrophoneSettings)
    retry_first_seconds: float = 0.5
    """First wait before re-opening a lost microphone (wall clock; doubles each try)."""
    retry_max_seconds: float = 30.0
    """Longest wait between tries to re-open a lost microphone (wall clock)."""
    screen: ScreenSettings | None = None
    """Where the kiosk's screen is served (None: no screen)."""
    keep_audio_days: float | None = None
    """Keep the audio of each spoken question this many days, under the log directory's
    ``audio/`` (None: keep none)."""
    keep_audio_mb: float | None = None
    """Megabytes of that audio kept at most, the oldest deleted first beyond them (None:
    1,000, about 10,000 questions of three seconds; a small SD card must not fill with
    them)."""


@dataclass(frozen=True)
class ServeSettings:
    """How ``knotvoice serve`` offers the FAQ to Home Assistant over Wyoming."""

    uri: str = "tcp://0.0.0.0:10500"
    """Where to listen: ``tcp://HOST:PORT`` or ``unix://PATH``."""
    zeroconf: str | None = None
    """Announce the server on the local network under this instance name ("" for the
    default, ``knotvoice-<host name>``); None: do not announce it."""
    reload_seconds: float = 2.0
    """How often the knowledge file is looked at for changes, in seconds (0: never)."""
    idle_seconds: float = 60.0
    """A connection that sends nothing for this long, in seconds, is closed."""
    max_audio_seconds: float = 30.0
    """Longest utterance transcribed, in seconds: of a longer one, the last this many seconds
    are transcribed (the question is at the end) and the start is dropped, unless all that
    comes after them is quiet (a voice device that streamed on after its question)."""


@dataclass(frozen=True)
class Settings:
    knowledge: Path = PROJECT_DIR / "knowledge" / "knots.yaml"
    """The knowledge file to answer from."""
    engine: str = "auto"
    """Recognizer: auto, vosk or whisper."""
    model: Path | None = None
    """A model directory for the engine (None: the installed or bundled default)."""
    models_dir: Path = PROJECT_DIR / "models"
    """Where downloaded models are installed."""
    input_device: str | None = None
    """Capture device: an index or a part of its name (None: the system default)."""
    output_device: str | None = None
    """Playback device: an index or a part of its name (None: the system default)."""
    output_rate: int | None = None
    """Playback rate in Hertz (None: the reply's own rate when the device takes it)."""
    voice: str | None = None
    """Text-to-speech voice id or a part of its name."""
    speech_rate: int = 165
    """Speaking rate in words per minute."""
    model_url: str | None = None
    """Where ``models download`` fetches from instead of the model's official address."""
    log_dir: Path = field(default_factory=default_log_dir)
    """Where the turn log and the status are kept (``$STATE_DIRECTORY`` under systemd)."""
    whisper_window: float | None = 20.0
    """Seconds of audio whisper's encoder hears a question in (None or 30: its own 30 s; a
    longer question widens it). The encoder's cost grows faster than its window: 20 s
    answers about 0.4 s sooner than 30 s on a 2-core machine and uses 65 MB less, and
    answered as many evaluation questions right; 15 s answered fewer (``docs/kiosk.md``)."""
    whisper_threads: int = WHISPER_THREADS
    """Threads of each pass of whisper's model (``WHISPER_THREADS``)."""
    listen: ListenSettings = field(default_factory=ListenSettings)
    """How the kiosk listens (``knotvoice listen``)."""
    serve: ServeSettings = field(default_factory=ServeSettings)
    """How the server offers the FAQ (``knotvoice serve``)."""
    origins: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    """Where each setting not given as a flag came from (a config file or an environment
    variable), for an error found only when it is used: a device no longer plugged in."""

    @property
    def speaker(self) -> SpeakerSettings:
        return SpeakerSettings(self.output_device, self.output_rate)

    @property
    def speech(self) -> VoiceSettings:
        return VoiceSettings(self.voice, self.speech_rate)


def _number(kind: Callable[[str], Any], what: str) -> Callable[[str, Any], Any]:
    def convert(name: str, value: Any) -> Any:
        if isinstance(value, bool) or (
            kind is int and isinstance(value, float) and not value.is_integer()
        ):
            # int() would drop a fraction: 1.5 turns would be 1.
            raise SettingsError(f"{name} must be {what}, not {value!r}")
        try:
            return kind(value)
        except (TypeError, ValueError):
            raise SettingsError(f"{name} must be {what}, not {value!r}") from None

    return convert


def _path(name: str, value: Any) -> Path:
    """A path: text (a flag's, a variable's or a quoted value's) or a ``Path``; a number or a
    list in the config file is a slip, refused rather than taken for a file of that name."""
    if not isinstance(value, str | os.PathLike):
        raise SettingsError(f"{name} must be a path in quotes, not {value!r}")
    return Path(value).expanduser()


def _folder(name: str, value: Any) -> Path:
    """A folder's path (it need not be there yet); a file's is refused: the models were
    looked for, and the cache kept, elsewhere without a word."""
    path = _path(name, value)
    if path.exists() and not path.is_dir():
        raise SettingsError(f"{name}: {path} is a file; give a folder (it need not exist yet)")
    return path


def _text(name: str, value: Any) -> str:
    """Text; a number, a list or a table in the config file is refused, not written out."""
    if not isinstance(value, str):
        raise SettingsError(f"{name} must be text in quotes, not {value!r}")
    return value


def _device(name: str, value: Any) -> str:
    """A device: a part of its name, or its index, which TOML writes as a number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise SettingsError(
            f"{name} must be a part of the device's name in quotes, or its index, not {value!r}"
        )
    return value


def _phrase(name: str, value: Any) -> str:
    """``wake_phrase``: words; a phrase of none is found at the start of every utterance, and
    would wake the kiosk to every sound it hears."""
    text = _text(name, value).strip()
    if not any(character.isalnum() for character in text):
        raise SettingsError(
            f"{name} must be words, such as 'hey kiosk', not {value!r}; "
            "to answer every question, use the vad trigger"
        )
    return text


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, not {value!r}")


def _announce(name: str, value: Any) -> str | None:
    """``zeroconf``: true (the default name), false (off) or an instance name."""
    if isinstance(value, bool):
        return "" if value else None
    if not isinstance(value, str):
        raise SettingsError(f"{name} must be true, false or a name in quotes, not {value!r}")
    text = value.strip()
    if len(text.encode("utf-8")) > 63:
        raise SettingsError(f"{name} must be a name of at most 63 bytes, not {value!r}")
    return text


def _uri(name: str, value: Any) -> str:
    text = str(value).strip()
    if not text.startswith(("tcp://", "unix://")):
        raise SettingsError(
            f"{name} must be tcp://HOST:PORT or unix://PATH, not {value!r}; "
            "for example tcp://0.0.0.0:10500"
        )
    if text.startswith("tcp://"):
        parsed = urlsplit(text)
        try:
            port = parsed.port
        except ValueError:
            port = None
        if not parsed.hostname or port is None:
            raise SettingsError(
                f"{name} must be tcp://HOST:PORT with a port of 0 to 65535, not {value!r}; "
                "for example tcp://0.0.0.0:10500"
            )
    return text


def _address(name: str, value: Any) -> ScreenSettings:
    """``[HOST:]PORT``: a port alone is on loopback (127.0.0.1)."""
    text = str(value).strip() if not isinstance(value, bool) else ""
    host, colon, port = text.rpartition(":")
    host = host.strip("[]") if colon else ScreenSettings.host
    if not port.isdigit() or int(port) > 65535 or not host or (":" in host and "[" not in text):
        raise SettingsError(
            f"{name} must be [HOST:]PORT with a port of 0 to 65535, not {value!r}; "
            "for example 8080 or 0.0.0.0:8080"
        )
    return ScreenSettings(host, int(port))


def _margin(name: str, value: Any) -> float | None:
    """``noise_margin``: decibels above the room's background, or false/off to turn it off."""
    if value is False or str(value).strip().lower() in ("false", "off", "no"):
        return None
    margin: float = _number(float, "a number of decibels or off")(name, value)
    if not 0.0 <= margin <= 40.0:
        raise SettingsError(f"{name} must be 0 to 40 decibels or off, not {value!r}")
    return margin


def _choice(*allowed: str) -> Callable[[str, Any], str]:
    def convert(name: str, value: Any) -> str:
        text = str(value)
        if text not in allowed:
            raise SettingsError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
        return text

    return convert


_seconds = _number(float, "a number of seconds")


def _positive(
    kind: Callable[[str], Any], what: str, zero: str | None = None
) -> Callable[[str, Any], Any]:
    """A number more than 0 (a kiosk that stops at once or cuts every question is no
    kiosk), or 0 too where 0 means ``zero``."""
    read = _number(kind, what)

    def convert(name: str, value: Any) -> Any:
        number = read(name, value)
        finite = math.isfinite(number)
        if zero is not None and not (finite and number >= 0):
            raise SettingsError(f"{name} must be {what}, 0 ({zero}) or more, not {number:g}")
        if zero is None and not (finite and number > 0):
            raise SettingsError(f"{name} must be {what} more than 0, not {number:g}")
        return number

    return convert


SLOWEST_RATE = 80
"""Words a minute that "slower" does not go under (espeak-ng's slowest)."""
FASTEST_RATE = 450
"""espeak-ng's fastest rate of its own; faster is its voice sped up, past following (1,000
words a minute said a 15-word answer in 1.2 s)."""


def _words_a_minute(name: str, value: Any) -> int:
    """``speech_rate``, ``slow_rate``: words a minute a visitor can follow, from espeak-ng's
    slowest (a slower rate was spoken at it, unsaid) to ``FASTEST_RATE``."""
    what = "a whole number of words per minute"
    rate: int = _number(int, what)(name, value)
    if rate < SLOWEST_RATE:
        raise SettingsError(f"{name} must be {what}, {SLOWEST_RATE} or more, not {rate}")
    if rate > FASTEST_RATE:
        raise SettingsError(f"{name} must be {what}, {FASTEST_RATE} or fewer, not {rate}")
    return rate


def _turns(name: str, value: Any) -> int:
    count: int = _number(int, "a whole number of 1 or more")(name, value)
    if count < 1:
        raise SettingsError(f"{name} must be a whole number of 1 or more, not {count}")
    return count


def _more_than_zero(unit: str, without: str) -> Callable[[str, Any], float]:
    """A parser of a finite number of ``unit`` more than 0; its error says that leaving the
    setting out is to ``without``."""

    def parse(name: str, value: Any) -> float:
        number: float = _number(float, f"a number of {unit}")(name, value)
        if not 0 < number < math.inf:
            raise SettingsError(
                f"{name} must be a number of {unit} more than 0, not {number:g}; "
                f"leave it out to {without}"
            )
        return number

    return parse


_days = _more_than_zero("days", "keep no audio")
_megabytes = _more_than_zero("megabytes", "keep 1000 MB")


def _threads(name: str, value: Any) -> int:
    count: int = _number(int, "a whole number of threads")(name, value)
    if not 1 <= count <= 64:
        raise SettingsError(f"{name} must be 1 to 64 threads, not {value!r}")
    return count


_TOP: dict[str, Callable[[str, Any], Any]] = {
    "knowledge": _path,
    "engine": _choice("auto", "vosk", "whisper"),
    "model": _path,
    "models_dir": _folder,
    "input_device": _device,
    "output_device": _device,
    "output_rate": _positive(int, "a whole number of Hertz"),
    "voice": _text,
    "speech_rate": _words_a_minute,
    "model_url": _text,
    "log_dir": _path,
    "whisper_window": _positive(float, "a number of seconds"),
    "whisper_threads": _threads,
}
"""Top-level settings and how each is read from text."""

_LISTEN: dict[str, tuple[str, Callable[[str, Any], Any]]] = {
    "trigger": ("mode", _choice(*(mode.value for mode in TriggerMode))),
    "wake_phrase": ("wake_phrase", _phrase),
    "follow_up": ("follow_up_seconds", _positive(float, "a number of seconds", zero="none")),
    "no_speech_timeout": ("no_speech_timeout_seconds", _positive(float, "a number of seconds")),
    "slow_rate": ("slow_rate", _words_a_minute),
    "barge_in": ("barge_in", _flag),
    "echo_cancel": ("echo_cancel", _flag),
    "max_turns": ("max_turns", _turns),
    "idle_exit": ("idle_exit_seconds", _positive(float, "a number of seconds")),
    "end_silence": ("vad.end_silence_seconds", _positive(float, "a number of seconds")),
    "end_silence_unsure": (
        "vad.end_silence_unsure_seconds",
        _positive(float, "a number of seconds", zero="none"),
    ),
    "max_utterance": ("vad.max_utterance_seconds", _positive(float, "a number of seconds")),
    "vad_detector": ("vad.detector", _choice(*VAD_DETECTORS)),
    "vad_aggressiveness": ("vad.aggressiveness", _choice("0", "1", "2", "3")),
    "noise_margin": ("vad.noise_margin_db", _margin),
    "input_rate": ("microphone.rate", _positive(int, "a whole number of Hertz")),
    "input_channels": ("microphone.channels", _choice("1", "2")),
    "screen": ("screen", _address),
    "keep_audio": ("keep_audio_days", _days),
    "keep_audio_mb": ("keep_audio_mb", _megabytes),
}
"""The kiosk's settings (flags, and keys of the config file's ``[listen]`` table): where each
lands in ``ListenSettings`` and how it is read."""

_SERVE: dict[str, tuple[str, Callable[[str, Any], Any]]] = {
    "uri": ("uri", _uri),
    "zeroconf": ("zeroconf", _announce),
    "reload": ("reload_seconds", _seconds),
    "idle_timeout": ("idle_seconds", _seconds),
    "max_audio": ("max_audio_seconds", _seconds),
}
"""The server's settings (flags of ``knotvoice serve``, and keys of the config file's
``[serve]`` table): where each lands in ``ServeSettings`` and how it is read."""


def _read_config(path: Path) -> dict[str, Any]:
    try:
        # A byte order mark, as some Windows editors write, is no part of the settings.
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        raise SettingsError(
            f"{path}: no such config file; check --config or KNOTVOICE_CONFIG"
        ) from None
    except IsADirectoryError:
        raise SettingsError(
            f"{path}: is a folder; give --config or KNOTVOICE_CONFIG the path of a TOML file"
        ) from None
    except OSError as error:
        raise SettingsError(
            f"{path}: cannot read the config file ({error.strerror or error}); "
            "check its permissions"
        ) from None
    except UnicodeDecodeError:
        raise SettingsError(f"{path}: not UTF-8 text; save the config file as UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: not valid TOML ({error}); fix the config file") from None
    known = {*_TOP, "listen", "serve"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise SettingsError(
            f"{path}: "
            + (
                _belongs(unknown[0], "")
                or f"unknown setting {unknown[0]!r}; known settings: {', '.join(sorted(known))}"
            )
        )
    listen = data.get("listen", {})
    if not isinstance(listen, dict):
        raise SettingsError(f"{path}: 'listen' must be a table ([listen]) of kiosk settings")
    strange = sorted(set(listen) - set(_LISTEN))
    if strange:
        raise SettingsError(
            f"{path}: "
            + (
                _belongs(strange[0], "listen")
                or f"unknown setting 'listen.{strange[0]}'; known: {', '.join(sorted(_LISTEN))}"
            )
        )
    serve = data.get("serve", {})
    if not isinstance(serve, dict):
        raise SettingsError(f"{path}: 'serve' must be a table ([serve]) of server settings")
    strange = sorted(set(serve) - set(_SERVE))
    if strange:
        raise SettingsError(
            f"{path}: "
            + (
                _belongs(strange[0], "serve")
                or f"unknown setting 'serve.{strange[0]}'; known: {', '.join(sorted(_SERVE))}"
            )
        )
    return data


def _belongs(key: str, table: str) -> str | None:
    """Where a ``key`` found in ``table`` ("" for the top level) and not known there goes, as
    the error that says so; None for a key known nowhere. A kiosk setting written at the top
    of the file (``trigger = "wake"``) is the likely slip, and "unknown" would send its writer
    looking for another spelling."""
    if table and key in _TOP:
        return f"{key!r} is a top-level setting; put it above [{table}]"
    for other, what, keys in (("listen", "a kiosk", _LISTEN), ("serve", "a server", _SERVE)):
        if other != table and key in keys:
            return f"{key!r} is {what} setting; put it under [{other}]"
    return None


def _set(settings: Any, path: str, value: Any) -> Any:
    """``settings`` with the field at dotted ``path`` set to ``value``."""
    name, _, rest = path.partition(".")
    if rest:
        value = _set(getattr(settings, name), rest, value)
    current = getattr(settings, name)
    if isinstance(current, enum.Enum):
        value = type(current)(value)
    elif isinstance(current, int) and not isinstance(current, bool) and isinstance(value, str):
        value = int(value)
    return replace(settings, **{name: value})


def _listen(
    layers: Mapping[str, Any],
    input_device: str | None,
    source: Mapping[str, str],
    written: Mapping[str, str],
) -> ListenSettings:
    listen = ListenSettings()
    for key, value in layers.items():
        target, convert = _LISTEN[key]
        with _named(source.get(key)):
            listen = _set(listen, target, convert(written.get(key, key), value))
    done: ListenSettings = _set(listen, "microphone.device", input_device)
    return done


MAX_AUDIO_MOST = 300.0
"""The most ``max_audio`` may be: the end of a stream that long is kept to hear (a question
is seconds long; 1e12 let a client fill the server's memory)."""


def _serve(
    layers: Mapping[str, Any], source: Mapping[str, str], written: Mapping[str, str]
) -> ServeSettings:
    values: dict[str, Any] = {}
    for key, value in layers.items():
        target, convert = _SERVE[key]
        with _named(source.get(key)):
            values[target] = convert(written.get(key, key), value)
    serve = ServeSettings(**values)
    for key, seconds, most in (
        ("idle_timeout", serve.idle_seconds, math.inf),
        ("max_audio", serve.max_audio_seconds, MAX_AUDIO_MOST),
    ):
        if not 0 < seconds <= most or seconds == math.inf:
            # "inf" was told to be "more than 0", which it is
            at_most = "" if most == math.inf else f" and at most {most:g}"
            with _named(source.get(key)):
                raise SettingsError(
                    f"{written.get(key, key)} must be a number of seconds more than 0"
                    f"{at_most}, not {seconds:g}"
                )
    if not 0 <= serve.reload_seconds < math.inf:
        with _named(source.get("reload")):
            raise SettingsError(
                f"{written.get('reload', 'reload')} must be 0 (never) or more seconds, "
                f"not {serve.reload_seconds:g}"
            )
    return serve


def flag_name(name: str) -> str:
    """The command-line flag of setting ``name`` (``keep_audio``: ``--keep-audio``)."""
    return _FLAGS.get(name, "--" + name.replace("_", "-"))


_FLAGS = {"model_url": "--url"}
"""Settings whose flag is not their name written with dashes."""


def build_settings(
    flags: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    config: Path | None = None,
    names: Mapping[str, str] | None = None,
) -> Settings:
    """Combine command-line ``flags`` (None = not given), the environment and a config file.

    ``flags`` may hold any top-level setting, any kiosk setting (``trigger``,
    ``end_silence``, ... as on the command line) and any server setting (``uri``, ...).
    ``names`` says how a command wrote a setting it takes otherwise than as its flag (an
    argument: ``knotvoice screen PORT``), so an error about it names what was given."""
    environ = os.environ if environ is None else environ
    config = config or (
        Path(environ["KNOTVOICE_CONFIG"]) if environ.get("KNOTVOICE_CONFIG") else None
    )
    data = _read_config(config) if config else {}
    top: dict[str, Any] = {name: value for name, value in data.items() if name in _TOP}
    if config is not None:
        # A relative path in the file is taken from the file's folder.
        for name, value in top.items():
            if _TOP[name] not in (_path, _folder):
                continue
            with _named(f"{config}"):
                path = _path(name, value)
            if not path.is_absolute():
                top[name] = (config.expanduser().parent / path).resolve()
    listen: dict[str, Any] = dict(data.get("listen", {}))
    serve: dict[str, Any] = dict(data.get("serve", {}))
    # Where each value came from, for its errors ("in FILE", "in VARIABLE"); a flag's own
    # name says it.
    source = {name: f"{config}" for name in (*top, *listen, *serve)}
    for name, variable in ENVIRONMENT.items():
        if environ.get(variable):
            top[name] = environ[variable]
            source[name] = variable
    # A value's error names it as the user wrote it: a flag (``--keep-audio``) or a key.
    written: dict[str, str] = {}
    for name, value in flags.items():
        if value is None:
            continue
        if name in _TOP:
            top[name] = value
        elif name in _LISTEN:
            listen[name] = value
        elif name in _SERVE:
            serve[name] = value
        else:
            continue
        source.pop(name, None)
        written[name] = (names or {}).get(name) or flag_name(name)
    values: dict[str, Any] = {}
    for name, value in top.items():
        with _named(source.get(name)):
            values[name] = _TOP[name](written.get(name, name), value)
    return Settings(
        **values,
        listen=_listen(listen, values.get("input_device"), source, written),
        serve=_serve(serve, source, written),
        origins=source,
    )


@contextlib.contextmanager
def _named(source: str | None) -> Iterator[None]:
    """A setting's error names where the setting came from (a config file or a variable)."""
    try:
        yield
    except SettingsError as error:
        if source is None:
            raise
        raise SettingsError(f"{source}: {error}") from None
