"""The turn log: one JSON line per turn, kept for the operator, bounded on disk.

Every turn the kiosk (or the server) takes is appended to ``turns.jsonl`` in the log
directory: when, what was heard and the other hearings, the decision, the entry and how likely
it was, the milliseconds of each stage, the engine and the knowledge's version. The file is
rotated when it reaches ``max_bytes`` and at most ``keep_files`` rotated files are kept, so
the log never grows past a known size. A log that cannot be written (a full disk) costs one
warning, not a turn. ``status.json`` beside it says how the kiosk is doing now; it is written
over the room of the status before it (``status.json.old``) when a full disk has no room for
a new file, and one that cannot be written at all costs one warning too.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Collection, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from knotvoice.errors import KnotvoiceError

__all__ = [
    "DEVICES",
    "SERVICE_LOG_DIR",
    "STALE_SECONDS",
    "DeviceHealth",
    "Journal",
    "Misstamped",
    "Status",
    "default_log_dir",
    "holds_log",
    "read_status",
    "read_turns",
]

_log = logging.getLogger(__name__)

TURNS = "turns.jsonl"
ROTATED = "turns-*.jsonl"
"""The turn logs rotated away (``TURNS`` grown to ``MAX_BYTES``), by their names."""
STATUS = "status.json"
MAX_BYTES = 5_000_000
"""A turn log file is rotated at this size (about 10,000 turns)."""
KEEP_FILES = 20
"""Rotated turn log files kept (the oldest is deleted): 100 MB in all at most."""
STALE_SECONDS = 60.0
"""A status older than this, in seconds, means the kiosk is not running (it writes one every
10 s while its loop goes round)."""
WARN_AGAIN_SECONDS = 600.0
"""A disk that fills up again within this many seconds of the last warning (a line fitting
in now and then while it is full) gives no new warning."""
CLOCK_SET_SECONDS = 2.0
"""The wall clock moving this many seconds more or less than the monotonic one was set (the
two drift apart by far less between two statuses)."""
REUSE_SECONDS = 5.0
"""A status replaced at least this long ago is written over for the next one when a full disk
has no room for a new file: a reader who opened it before has read it by then."""


DEVICES = ("microphone", "speaker")
"""Stages that are audio devices: the status keeps how each last failed and when it worked
again, so an operator reading it a day later sees one unplugged and plugged back in as fixed."""


SERVICE_LOG_DIR = Path("/var/lib/knotvoice")
"""Where the kiosk's systemd unit keeps its log (``StateDirectory=knotvoice`` in
``deploy/knotvoice.service``): a shell's ``default_log_dir`` is not there."""


def default_log_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where the turn log lives: systemd's ``$STATE_DIRECTORY`` when it sets one, else
    ``$XDG_STATE_HOME/knotvoice`` or ``~/.local/state/knotvoice``."""
    environ = os.environ if environ is None else environ
    if environ.get("STATE_DIRECTORY"):
        return Path(environ["STATE_DIRECTORY"].split(":")[0])
    state = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "knotvoice"


def holds_log(directory: Path, rotated: bool = False) -> bool:
    """Whether ``directory`` holds a turn log or a status that this user can see (or, with
    ``rotated``, a turn log rotated away)."""
    if any(os.path.exists(Path(directory) / name) for name in (STATUS, TURNS)):
        return True
    return rotated and any(Path(directory).glob(ROTATED))


def last_written(directory: Path) -> float:
    """When ``directory``'s turn log or status was last written (Unix seconds; 0 when it
    holds neither, or this user cannot see them)."""
    times = [0.0]
    for name in (STATUS, TURNS):
        with contextlib.suppress(OSError):
            times.append((Path(directory) / name).stat().st_mtime)
    return max(times)


@dataclass(frozen=True)
class DeviceHealth:
    """How an audio device (one of ``DEVICES``) has done since the kiosk started."""

    error: str
    """Its last failure, as the warning said it."""
    failed_at: float
    """When it began to fail (Unix seconds): the first failure until it worked again."""
    ok_since: float | None = None
    """When it worked again after that (Unix seconds); None while it still fails."""


@dataclass
class Status:
    """How the kiosk is doing now (``status.json``, ``knotvoice status``, ``/health``)."""

    started: float = field(default_factory=time.time)
    """When it started (Unix seconds)."""
    updated: float = field(default_factory=time.time)
    """When this status was last written (Unix seconds)."""
    pid: int = field(default_factory=os.getpid)
    turns: int = 0
    errors: int = 0
    last_error: str = ""
    last_error_at: float | None = None
    last_error_cleared: bool = False
    """True when what failed works again since (a knowledge file fixed and read, a device
    that plays or hears again)."""
    command: str = "listen"
    """The command that writes it: listen (the kiosk), screen or serve."""
    microphone: str = "starting"
    """starting, listening or lost, and closed once it stopped; none for the server
    (``knotvoice serve``) and the screen alone."""
    speaker: str = ""
    """unused until a reply has played on it, then played; none when replies are not said
    aloud (the server, a kiosk with no sound device); "" in a status written before the
    speaker was kept."""
    knowledge: str = ""
    """The knowledge file and its version (``NAME (not loaded)`` before it loads)."""
    knowledge_error: str = ""
    """Why the knowledge file as it is now is not the one answered from (an edit that does
    not load), until one loads; kept beside ``last_error``, which the next error of any
    stage takes over."""
    knowledge_error_at: float | None = None
    """When that edit was first refused (Unix seconds)."""
    reloads: int = 0
    log_failures: int = 0
    """Turn log lines that could not be written."""
    log_error: str = ""
    """Why the last of them could not be ("the disk is full")."""
    log_error_cleared: bool = False
    """True when turn log lines are written again since."""
    audio_failures: int = 0
    """Questions whose audio was to be kept (``--keep-audio``) and could not be written."""
    audio_error: str = ""
    """Why the last of them could not be ("No space left on device")."""
    audio_error_cleared: bool = False
    """True when questions' audio is kept again since."""
    stopped: float | None = None
    """When it stopped (Unix seconds); None while it runs."""
    devices: dict[str, DeviceHealth] = field(default_factory=dict)
    """The audio devices that failed since the kiosk started, by stage (microphone,
    speaker): the last failure of each, and whether it works again since."""

    def age(self, now: float | None = None) -> float:
        """Seconds since this status was written."""
        return (time.time() if now is None else now) - self.updated

    def stale(self, now: float | None = None) -> bool:
        """True when the kiosk wrote this too long ago to be running still, or by a clock
        ahead of this one (a Pi with no clock of its own, started again behind the time it
        had) and its process is gone: then its age says nothing (a kiosk still running, its
        clock set back, writes again within seconds)."""
        age = self.age(now)
        return age > STALE_SECONDS or (age < -STALE_SECONDS and not self.process_there())

    def process_there(self) -> bool:
        """Whether the process that wrote this still runs (on this machine), whatever its
        status says: a kiosk whose log directory went read-only answers on unseen. A process
        of that number that is not knotvoice (the number used again since a restart) is not
        it."""
        if not _alive(self.pid):
            return False
        try:
            command = Path(f"/proc/{self.pid}/cmdline").read_bytes()
        except OSError:
            return True  # no /proc to tell by
        # `knotvoice ...` or `python -m knotvoice ...`; not `tail -f /var/log/knotvoice/...`
        words = command.split(b"\0")
        return any(
            word == b"knotvoice" or (word.endswith(b"/knotvoice") and n < 2)
            for n, word in enumerate(words)
        )

    def running(self, now: float | None = None) -> bool:
        """Whether the kiosk that wrote this is running: it has not said it stopped, its
        last sign is recent and its process is there (on this machine; after a power cut,
        another program may have its number)."""
        return (
            self.stopped is None
            and not self.stale(now)
            and (self.pid == os.getpid() or self.process_there())  # this process: it is
        )

    def to_json(self, now: float | None = None) -> dict[str, Any]:
        """The status as ``knotvoice status --json`` prints it and ``/health`` serves it:
        every field, its age in seconds and whether it is stale."""
        age = self.age(now)
        return {
            **asdict(self),
            "age_seconds": round(age, 1),
            "stale": self.stale(now),
            "running": self.running(now),
            "process_there": self.stopped is None and self.process_there(),
        }


class Journal:
    """Appends turns to the log directory and keeps its status; safe from any thread."""

    def __init__(
        self, directory: Path, max_bytes: int = MAX_BYTES, keep_files: int = KEEP_FILES
    ) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.keep_files = keep_files
        self.status = Status()
        self._lock = threading.Lock()
        self._clock = time.time() - time.monotonic()
        """The wall clock ahead of the monotonic one (seconds): it changes when the clock is
        set, as NTP does on a Raspberry Pi without a real-time clock once the network is up."""
        self._failing = False
        """A warning was given and no line has been written since."""
        self._warned_at = -WARN_AGAIN_SECONDS
        self._status_written = -math.inf
        """When the status was last written (monotonic seconds: a clock set back does not
        hold the next one up)."""
        self._status_failing = False
        """A warning was given and no status has been written since."""
        self._status_warned_at = -WARN_AGAIN_SECONDS
        self._status_replaced = -REUSE_SECONDS
        """When the status kept as ``status.json.old`` was replaced (monotonic seconds)."""

    def claim(self) -> None:
        """Write this kiosk's first status; KnotvoiceError when another kiosk or server that
        runs keeps its status in the same directory (the two would overwrite each other's),
        or when that directory is a file, cannot be made or cannot be written to."""
        if self.directory.exists() and not self.directory.is_dir():
            # every turn's line would fail to be written, one warning each
            raise KnotvoiceError(
                f"{self.directory}: not a directory; give --log-dir (KNOTVOICE_LOG_DIR) a "
                "folder for the turn log"
            )
        try:
            # one that cannot be made would log nothing, with one warning, for as long as it ran
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise KnotvoiceError(
                f"{self.directory}: cannot make the log directory ({error.strerror or error}); "
                "give --log-dir (KNOTVOICE_LOG_DIR) a folder you can write to"
            ) from None
        if not os.access(self.directory, os.W_OK | os.X_OK):
            # one of another user's, or on a read-only disk, likewise; a full one is not
            # refused: the kiosk answers on, and logs again once there is room
            raise KnotvoiceError(
                f"{self.directory}: cannot write to the log directory; give --log-dir "
                "(KNOTVOICE_LOG_DIR) a folder you can write to"
            )
        other = read_status(self.directory)
        if other is not None and other.pid != os.getpid() and other.running():
            raise KnotvoiceError(
                f"{self.directory}: knotvoice process {other.pid} is already running with this "
                "log directory; stop it first if it is this one started again, or give each "
                "kiosk and server its own --log-dir"
            )
        with self._lock:
            self._write_status()

    @contextlib.contextmanager
    def claimed(self) -> Iterator[Journal]:
        """``claim`` the directory for what runs inside; on the way out say in the status that
        it stopped, and what stopped it when a ``KnotvoiceError`` did (a knowledge file that
        does not load, a device that is not there), so ``knotvoice status`` says why."""
        self.claim()
        try:
            yield self
        except KnotvoiceError as error:
            self.failed("stopped", str(error))
            raise
        finally:
            self.stop()

    def write(self, record: Mapping[str, Any]) -> bool:
        """Append one turn; False (and one warning until it works again) when it cannot."""
        line = json.dumps({"time": round(time.time(), 3), **record}, ensure_ascii=False)
        with self._lock:
            self.status.turns += 1
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                path = self.directory / TURNS
                if path.exists() and path.stat().st_size + len(line) + 1 > self.max_bytes:
                    self._rotate(path)
                # a lone surrogate (text that was not UTF-8) is kept escaped, not refused
                _append(path, (line + "\n").encode("utf-8", "backslashreplace"))
            except OSError as error:
                self.status.log_failures += 1
                self.status.log_error, self.status.log_error_cleared = _why(error), False
                now = time.monotonic()
                if not self._failing and now - self._warned_at >= WARN_AGAIN_SECONDS:
                    _log.warning("the turn log cannot be written (%s); turns go on", error)
                    self._failing, self._warned_at = True, now
                return False
            if self._failing:
                _log.info("the turn log is written again")
                self._failing = False
            self.status.log_error_cleared = bool(self.status.log_error)
            self._write_status()
        return True

    def failed(self, stage: str, message: str) -> None:
        """Note an error in the status; a device's (``DEVICES``) is kept as its health too."""
        with self._lock:
            self._follow_clock()  # before the error's time is taken on the clock as it is now
            now = time.time()
            self.status.errors += 1
            self.status.last_error = f"{stage}: {message}"
            self.status.last_error_at = now
            self.status.last_error_cleared = False
            if stage == "knowledge":
                if not self.status.knowledge_error:
                    self.status.knowledge_error_at = now
                self.status.knowledge_error = message
            if stage in DEVICES:
                health = self.status.devices.get(stage)
                # Failing still: it began to fail when it first did.
                since = now if health is None or health.ok_since is not None else health.failed_at
                # A new mapping: a snapshot taken for another thread keeps the one it had.
                self.status.devices = {**self.status.devices, stage: DeviceHealth(message, since)}
            self._write_status()

    def cleared(self, stage: str) -> None:
        """Note that ``stage`` works again: a last error of it is marked cleared (it stays,
        to say what happened), and a device failing is working again from now."""
        with self._lock:
            self._follow_clock()
            changed = False
            if self.status.last_error.startswith(f"{stage}: "):
                changed = not self.status.last_error_cleared
                self.status.last_error_cleared = True
            if stage == "knowledge" and self.status.knowledge_error:
                self.status.knowledge_error, self.status.knowledge_error_at = "", None
                changed = True
            health = self.status.devices.get(stage)
            if health is not None and health.ok_since is None:
                working = replace(health, ok_since=time.time())
                self.status.devices = {**self.status.devices, stage: working}
                changed = True
            if changed:
                self._write_status()

    def update(self, **changes: Any) -> None:
        """Change the status (microphone, knowledge, reloads) and write it."""
        with self._lock:
            for name, value in changes.items():
                setattr(self.status, name, value)
            self._write_status()

    def stop(self) -> None:
        """Say in the status that the kiosk has stopped (it will not be back by itself), and
        that its microphone, if it had one, is closed: it listens no more."""
        with self._lock:
            self.status.stopped = time.time()
            if self.status.microphone != "none":
                self.status.microphone = "closed"
            self._write_status()

    def snapshot(self) -> Status:
        """A copy of the status as it is now (for ``/health``, from another thread)."""
        with self._lock:
            return replace(self.status)

    def beat(self, every: float = 10.0) -> None:
        """Write the status again if it is older than ``every`` seconds (a sign of life)."""
        with self._lock:
            if time.monotonic() - self._status_written >= every:
                self._write_status()

    def _follow_clock(self) -> None:
        """Move the times the status keeps by as much as the clock was set since they were
        taken, so ``knotvoice status`` still says when the kiosk started and how long ago
        its last error was."""
        moved = time.time() - time.monotonic() - self._clock
        if abs(moved) < CLOCK_SET_SECONDS:
            return
        self._clock += moved
        self.status.started += moved
        if self.status.last_error_at is not None:
            self.status.last_error_at += moved
        if self.status.knowledge_error_at is not None:
            self.status.knowledge_error_at += moved
        self.status.devices = {
            stage: DeviceHealth(
                health.error,
                health.failed_at + moved,
                None if health.ok_since is None else health.ok_since + moved,
            )
            for stage, health in self.status.devices.items()
        }

    def _write_status(self) -> None:
        self._follow_clock()
        self.status.updated = time.time()
        # Tried again after ``beat``'s interval, not on every chunk, when it cannot be written.
        self._status_written = time.monotonic()
        path = self.directory / STATUS
        partial, old = path.with_name(STATUS + ".partial"), path.with_name(STATUS + ".old")
        data = json.dumps(asdict(self.status)).encode("utf-8")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            try:
                _write_file(partial, data)
            except OSError:
                # No room for a new file (a full disk): the status before, kept whole, is
                # written over instead, once no reader can be reading it still.
                if time.monotonic() - self._status_replaced < REUSE_SECONDS:
                    return
                if not _alone(old):
                    raise
                old.replace(partial)
                _write_file(partial, data)
            # The status about to be replaced is kept by a second name (which takes no room),
            # to be written over when there is no room for a new file.
            with contextlib.suppress(OSError):
                old.unlink(missing_ok=True)
                os.link(path, old)
            # A reader finds the old status or the new one whole, never part of one.
            partial.replace(path)
            self._status_replaced = time.monotonic()
        except OSError as error:
            now = time.monotonic()
            if not self._status_failing and now - self._status_warned_at >= WARN_AGAIN_SECONDS:
                _log.warning(
                    "the status cannot be written (%s); `knotvoice status` will call the "
                    "kiosk stale",
                    error,
                )
                self._status_failing, self._status_warned_at = True, now
            return
        if self._status_failing:
            _log.info("the status is written again")
            self._status_failing = False

    def _rotate(self, path: Path) -> None:
        # Named by the time in nanoseconds, after the newest one even when the clock was set
        # back since: their order by name is the order they were written.
        newest = max((_number(old) for old in self.directory.glob(ROTATED)), default=0)
        path.replace(self.directory / f"turns-{max(time.time_ns(), newest + 1):020d}.jsonl")
        rotated = sorted(self.directory.glob(ROTATED))
        for old in rotated[: max(0, len(rotated) - self.keep_files)]:
            old.unlink(missing_ok=True)


def _number(path: Path) -> int:
    """The number a rotated turn log is named by (``turns-<number>.jsonl``); 0 for another."""
    digits = path.stem.removeprefix("turns-")
    return int(digits) if digits.isdigit() else 0


def _alive(pid: int) -> bool:
    """Whether a process ``pid`` runs on this machine (one of another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _alone(path: Path) -> bool:
    """Whether ``path`` is a file by that name only (not the status itself as well, as a
    write cut short between its two steps can leave it)."""
    try:
        return path.stat().st_nlink == 1
    except OSError:
        return False


def _write_file(path: Path, data: bytes) -> None:
    """Write ``data`` as the whole of ``path``, over the room it holds already."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        written = 0
        while written < len(data):
            written += os.write(fd, data[written:])
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def _append(path: Path, data: bytes) -> None:
    """Append ``data`` whole or not at all: a line cut short by a full disk is cut off again,
    or the next line, written after it once there is room, would be lost with it. A line a
    power cut left without its newline is ended first, for the same reason."""
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        start = os.fstat(fd).st_size
        if start and os.pread(fd, 1, start - 1) != b"\n":
            data = b"\n" + data
        try:
            written = 0
            while written < len(data):
                written += os.write(fd, data[written:])
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, start)
            raise
    finally:
        os.close(fd)


CLOCK_SET_AFTER = 1e9
"""A turn stamped before this (September 2001) was logged by a clock not yet set: a Pi with
no clock of its own starts in 1970 until it is told the time."""


@dataclass
class Misstamped:
    """The turns ``read_turns`` left out because the kiosk's clock was wrong when it logged
    them: stamped later than it read up to (the clock set back since), or before the clock
    was set (``CLOCK_SET_AFTER``); no period of the report ever holds them."""

    later: int = 0
    unset: int = 0

    def __bool__(self) -> bool:
        return bool(self.later or self.unset)


def read_turns(
    directory: Path,
    since: float = 0.0,
    fields: Collection[str] | None = None,
    until: float = math.inf,
    misstamped: Misstamped | None = None,
) -> Iterator[dict[str, Any]]:
    """Every turn logged in ``directory`` from ``since`` to ``until`` (Unix seconds), oldest
    first, in the order logged; a line that is not a turn (cut short by a crash, even inside
    a letter) is skipped. The files are read a line at a time. With ``fields``, each turn has
    those keys only (and ``time``). Those left out for a wrong clock are counted in
    ``misstamped``. Raises ``KnotvoiceError`` for a file there that cannot be read (its
    permissions): an empty report would say that no one asked anything."""
    files = [*sorted(Path(directory).glob(ROTATED)), Path(directory) / TURNS]
    for path in files:
        try:
            with path.open("rb") as lines:
                for line in lines:
                    try:
                        record = json.loads(line.decode("utf-8"))
                    except ValueError:  # not UTF-8, or not JSON
                        continue
                    if not isinstance(record, dict):
                        continue
                    when = record.get("time", 0.0)
                    if not _finite(when):
                        continue
                    if misstamped is not None and when > until:
                        misstamped.later += 1
                    elif (
                        misstamped is not None
                        and "time" in record
                        and when < min(since, CLOCK_SET_AFTER)
                    ):
                        misstamped.unset += 1
                    if since <= when <= until:
                        # A figure that is no number (a line edited by hand) is left out.
                        yield {
                            k: sys.intern(v) if k in _NAMES and isinstance(v, str) else v
                            for k, v in record.items()
                            if (fields is None or k in fields or k == "time")
                            and (k not in _FIGURES or _finite(v))
                        }
        except FileNotFoundError:  # not written yet, or rotated away before it was opened
            continue
        except OSError as error:
            if error.errno in (errno.EACCES, errno.EPERM):
                why = "no permission to read it; run this as the kiosk's user, or with sudo"
            elif error.errno == errno.EISDIR:
                why = "it is a directory; it should be a file the kiosk wrote"
            else:
                why = (error.strerror or str(error)).lower()
            raise KnotvoiceError(f"{path}: cannot read the turn log: {why}") from None


_NAMES = frozenset(("decision", "entry", "closest", "engine", "knowledge", "knowledge_file"))
"""Keys whose text repeats from turn to turn: held once however many turns name it."""
_FIGURES = ("reply_ms", "match_ms", "score", "probability")
"""The numbers of a turn line that are counted or compared."""


def _finite(value: object) -> bool:
    """Whether ``value`` is a number as knotvoice writes one: not text, not true or false,
    not infinite or NaN."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


_WHY = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "no permission to write there",
    errno.EPERM: "no permission to write there",
}
"""What an operator is told of the commonest reasons a file cannot be written."""


def _why(error: OSError) -> str:
    """Why ``error`` stopped a write, in an operator's words."""
    if error.errno in _WHY:
        return _WHY[error.errno]
    return error.strerror or str(error) or type(error).__name__


def read_status(directory: Path) -> Status | None:
    """The status the kiosk last wrote in ``directory``, or None when there is none (or the
    file there is not one knotvoice wrote: another program's, or edited by hand). One left
    empty or damaged (a power cut as it was written) gives way to the one before it
    (``status.json.old``)."""
    status = _status_in(Path(directory) / STATUS)
    if status is None and (Path(directory) / STATUS).is_file():
        status = _status_in(Path(directory) / (STATUS + ".old"))
    return status


def _status_in(path: Path) -> Status | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    devices = data.pop("devices", {})
    try:
        status = Status(**{k: v for k, v in data.items() if k in Status.__dataclass_fields__})
        # A status written before devices were kept has none.
        status.devices = {stage: DeviceHealth(**health) for stage, health in devices.items()}
    except (TypeError, AttributeError):
        return None
    counts = (status.started, status.updated, status.turns, status.errors, status.reloads)
    times = (status.last_error_at, status.stopped, status.knowledge_error_at)
    if (
        not isinstance(status.pid, int)
        or not isinstance(status.command, str)
        or not isinstance(status.speaker, str)
        or not isinstance(status.knowledge_error, str)
        or not isinstance(status.log_error, str)
        or not isinstance(status.audio_error, str)
        or not all(
            _finite(number)
            for number in (*counts, status.log_failures, status.audio_failures, status.pid)
        )
        or not all(when is None or _finite(when) for when in times)
        or not all(_healthy(stage, health) for stage, health in status.devices.items())
    ):
        return None
    return status


def _healthy(stage: object, health: DeviceHealth) -> bool:
    """Whether ``health`` of device ``stage`` is as knotvoice writes it."""
    return (
        isinstance(stage, str)
        and isinstance(health.error, str)
        and _finite(health.failed_at)
        and (health.ok_since is None or _finite(health.ok_since))
    )
