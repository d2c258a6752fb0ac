"""A matcher that follows its knowledge file: edit the FAQ, and the next question is answered
from the new one, with no restart.

``Reloader`` watches the file's modification time and size (a poll, so it works on any
file system and in any container). When they change, it loads the file again and builds
what answers from it (a matcher) in its own thread, then swaps it in: a front end that takes
``current`` once per turn never sees two knowledges in one turn, and no turn waits for a
build. A file that does not load (a typo in the YAML, an entry without an answer) keeps the
old knowledge and logs one line, once per broken version of the file. Given a place to keep
it (``kept``), each version that loaded is copied there, so a start on a file broken since
(the kiosk restarted after a power cut) answers from that copy until the file is mended.

It is generic over what is built, so the kiosk and any other front end follow the file the
same way the server does::

    reloader = Reloader.load(settings.knowledge, build=matcher_builder(settings))
    with reloader.running(every=2.0):
        ... dialogue.matcher = reloader.current ...   # between turns
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Generic, TypeVar

from knotvoice.errors import KnotvoiceError
from knotvoice.knowledge import Knowledge, load

__all__ = ["KEPT", "Reloader", "Version", "changes", "load_kept"]

_log = logging.getLogger(__name__)

ASKED_POLL_SECONDS = 0.2
"""How often the watching thread looks for a reload asked for (SIGHUP), in seconds."""
BUILD_WAIT_SECONDS = 30.0
"""Longest wait, on the way out, for a reload under way to finish, in seconds: on the 2-core
test machine the calibration of an edited knots FAQ took 3.5 s, and a SIGTERM that landed in
it took 4.6 s to end the kiosk."""

T = TypeVar("T")

KEPT = "last-good"
"""The folder of the log directory the last version of the knowledge file that loaded is
kept in, under the file's own name."""


def load_kept(
    path: Path, kept: Path | None = None, *, said: bool = True
) -> tuple[Knowledge, str | None]:
    """``path`` loaded; when it does not load and ``kept`` holds a version of it that did,
    that version, with the line that says so (None when ``path`` itself loaded).
    ``KnotvoiceError`` (the one for ``path``) when neither loads. ``said``: as ``load``."""
    try:
        return load(path, said=said), None
    except KnotvoiceError as error:
        if kept is None or not kept.is_file():
            raise
        try:
            knowledge = load(kept)
        except KnotvoiceError:
            raise error from None
        return knowledge, (
            f"{error}; answering from its last version that loaded (kept in {kept}) until it "
            "loads again"
        )


@dataclass(frozen=True)
class Version:
    """What identifies one version of a file without reading it."""

    modified_ns: int
    """Modification time in nanoseconds."""
    size: int
    """Size in bytes."""
    inode: int
    """Changes when an editor saves by writing a new file and renaming it over the old."""
    access: tuple[int, int, int] = (0, 0, 0)
    """Its mode, owner and group: a file that could not be read is read again once they
    change (an operator told to check its permissions, who did)."""

    @classmethod
    def of(cls, path: Path) -> Version | None:
        """The file's version, or None when it cannot be seen (missing, mid-save)."""
        try:
            stat = os.stat(path)
        except OSError:
            return None
        access = (stat.st_mode, stat.st_uid, stat.st_gid)
        return cls(stat.st_mtime_ns, stat.st_size, stat.st_ino, access)


GONE_AT_ONCE = 1 / 3
"""An edit that drops more than this share of the entries (two or more) is told apart from
others: a save cut short between two entries loads, with the entries after the cut gone."""


def changes(before: Knowledge, after: Knowledge) -> list[str]:
    """What an edit from ``before`` to ``after`` did that an operator may not have meant:
    many entries gone at once (a save cut short), and an answer changed while its
    ``spoken`` form, which is what visitors hear, stayed as it was."""
    found: list[str] = []
    kept = {entry.id for entry in after.entries}
    gone = [entry.id for entry in before.entries if entry.id not in kept]
    if len(gone) >= 2 and len(gone) > GONE_AT_ONCE * len(before.entries):
        found.append(
            f"{len(gone)} of its {len(before.entries)} entries are gone ({_named(gone)}); if "
            "the file was not saved whole, save it again"
        )
    earlier = {entry.id: entry for entry in before.entries}
    behind = [
        entry.id
        for entry in after.entries
        if (old := earlier.get(entry.id)) is not None
        and entry.spoken is not None
        and old.answer != entry.answer
        and old.spoken == entry.spoken
    ]
    if behind:
        which = (
            f"entry {behind[0]}: its answer changed"
            if len(behind) == 1
            else f"{len(behind)} entries' answers changed ({_named(behind)})"
        )
        found.append(
            f"{which} but not the 'spoken' form visitors hear: change it too if what was "
            "changed is said in it, or remove it"
        )
    return found


def _cause(failure: str) -> str:
    """What a failure's line says went wrong: every one reads "CAUSE; answering from ..."."""
    return failure.split("; answering from", 1)[0]


def _named(ids: list[str]) -> str:
    """At most five ids, and how many more."""
    return ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")


class Reloader(Generic[T]):
    """Holds what was built from a knowledge file, and builds it again when the file changes."""

    def __init__(
        self,
        path: Path,
        build: Callable[[Knowledge], T],
        first: T,
        on_reload: Callable[[T], None] | None = None,
        on_failure: Callable[[str], None] | None = None,
        kept: Path | None = None,
        tell: Callable[[str], None] | None = None,
        knowledge: Knowledge | None = None,
    ) -> None:
        """``first`` was built from the file as it is now; ``build`` makes the next one from
        a freshly loaded knowledge; ``on_reload`` hears of each swap and ``on_failure`` of
        each version that does not load, with the line logged for it (both from the
        watching thread), so the kiosk's status can show an operator a broken edit; each
        version that loads is copied to ``kept`` (None: none is kept). ``tell`` hears that
        a reload asked for (``read_again``) found the file unchanged (None: logged at INFO).
        ``knowledge``: what ``first`` was built from, when known."""
        self.path = Path(path)
        self._build = build
        self._current = first
        self._on_reload = on_reload
        self._on_failure = on_failure
        self._kept = kept
        self._tell = tell
        self._seen = Version.of(self.path)
        """The version ``current`` was built from (None: missing or not known)."""
        self._failure = ""
        """The line logged for the version ``_seen`` when it did not load ("" when it did)."""
        self._told = 0
        """How many failures were said (``_failed``), read again or not."""
        self._unkept: Version | None = None
        """A version that loaded but could not be copied to ``kept`` (tried again)."""
        self._knowledge: Knowledge | None = knowledge
        """The knowledge ``current`` was built from, when known: a reload says what an
        edit dropped that an operator may not have meant to."""
        self._checking = threading.Lock()
        self._asked = False
        """Set by ``read_again_soon`` for the watching thread (``running``): a plain flag, as
        a signal handler may set it while the thread that it interrupted holds a lock."""
        self._watching = False
        self._abandoned = False
        """A build was still under way when ``running`` ended: it is left to the end of the
        process (whose shutdown may fail it), and nothing of it is told."""
        self.reloads = 0
        """How many times a new version was swapped in."""
        self.failures = 0
        """How many versions of the file failed to load (each kept the old knowledge)."""

    @classmethod
    def load(
        cls,
        path: Path,
        build: Callable[[Knowledge], T],
        on_reload: Callable[[T], None] | None = None,
        on_failure: Callable[[str], None] | None = None,
        kept: Path | None = None,
        tell: Callable[[str], None] | None = None,
    ) -> Reloader[T]:
        """Load ``path`` and build from it; when it does not load, from the version kept in
        ``kept`` (told to ``on_failure``). ``KnotvoiceError`` when neither loads."""
        version = Version.of(Path(path))
        knowledge, failure = load_kept(Path(path), kept)
        first = build(knowledge)
        reloader = cls(path, build, first, on_reload, on_failure, kept, tell, knowledge)
        reloader._seen = version
        if failure is None:
            reloader._keep(version)
        else:
            reloader._failed(logging.WARNING, failure)
        return reloader

    def read_again_soon(self) -> None:
        """What a SIGHUP handler calls: ``read_again`` on the thread that watches the file
        (``running``), so that a stop waits for that reload as for any other (a reload asked
        for on a thread of its own was left unfinished by a SIGTERM 0.6 s later), or on a
        thread of its own when none watches. Returns at once."""
        if self._watching:
            self._asked = True
        else:
            threading.Thread(target=self.read_again, name="knotvoice-reload", daemon=True).start()

    def read_again(self) -> None:
        """What SIGHUP does (``systemctl reload``): look at the file now, and say what came of
        it when it had not changed, so an operator who reloads always sees a line: that it is
        answered from as it was, or again why it does not load."""
        told = self._told
        # A version that did not load is read again: what kept it from loading (a folder's
        # permissions, a disk) may be mended without a change to the file.
        if self.check(again=bool(self._failure)) or self._told != told:
            return  # it changed, or was read again, and what came of it was said
        with self._checking:
            unchanged = Version.of(self.path) == self._seen
            failure = self._failure
        if not unchanged:
            return  # changed as it was looked at: the next look tells
        if failure:
            _log.warning("%s", failure)
        elif self._tell is not None:
            self._tell(f"{self.path} unchanged since it was read; answering from it")
        else:
            _log.info("%s unchanged since it was read; answering from it", self.path)

    @property
    def current(self) -> T:
        """What answers now. Take it once per turn (the swap is one attribute assignment)."""
        return self._current

    def check(self, again: bool = False) -> bool:
        """Look at the file once; when it changed (or ``again``), load and build it and swap
        it in.

        Returns True when something new was swapped in. A file that fails to load is logged
        once per version and leaves ``current`` as it was. Safe to call from any thread."""
        with self._checking:
            version = Version.of(self.path)
            rereading = version == self._seen
            if (
                not rereading
                and not self._failure
                and version is not None
                and self._seen is not None
                and replace(version, access=self._seen.access) == self._seen
            ):
                # only its permissions changed, and it had loaded: nothing to read again
                if self._unkept == self._seen:
                    self._unkept = version  # its copy still to be made
                self._seen = version
                return False
            if rereading and not (again and version is not None):
                if version is not None and self._unkept == version:
                    self._keep(version)  # tried again: the disk may have room now
                return False
            self._seen = version
            if version is None:
                self._failed(
                    logging.WARNING,
                    f"{self.path}: the knowledge file is gone; answering from the knowledge "
                    "loaded before until it is put back",
                )
                return False
            try:
                knowledge = load(self.path)
                built = self._build(knowledge)
            except KnotvoiceError as error:
                self._failed(
                    logging.WARNING,
                    f"{error}; answering from the knowledge loaded before",
                    again=rereading,
                )
                return False
            except Exception as error:  # a bug in a build must not stop the watching
                if self._abandoned:
                    # The process is ending (a thread pool refuses work as Python exits): the
                    # file is not at fault, and the status must still say it stopped.
                    _log.info(
                        "%s: the reload under way was left unfinished as knotvoice stopped "
                        "(%s: %s); the file is read again at the next start",
                        self.path,
                        type(error).__name__,
                        error,
                    )
                    return False
                self._failed(
                    logging.ERROR,
                    f"{self.path}: building from the new knowledge failed "
                    f"({type(error).__name__}: {error}); "
                    "answering from the knowledge loaded before",
                    again=rereading,
                )
                return False
            self._current = built
            self._failure = ""
            self.reloads += 1
            self._keep(version)
            before, self._knowledge = self._knowledge, knowledge
        if before is not None:
            for line in changes(before, knowledge):
                _log.warning("%s: %s", self.path, line)
        # debug: a front end says it in its own words (``knotvoice listen`` and ``serve`` do)
        _log.debug("%s changed; answering from the new knowledge", self.path)
        if self._on_reload is not None:
            try:
                self._on_reload(built)
            except Exception as error:  # the swap is done: what follows it must not stop us
                _log.error("%s: after the reload, %s: %s", self.path, type(error).__name__, error)
        return True

    def _keep(self, version: Version | None) -> None:
        """Copy the file, as it was when ``version`` of it loaded, to ``kept`` (in one
        rename). A file changed again since is not copied: that version may not load."""
        if self._kept is None or version is None:
            return
        partial = self._kept.with_name(self._kept.name + ".partial")
        try:
            data = self.path.read_bytes()
            if Version.of(self.path) != version:
                return
            self._kept.parent.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(data)
            partial.replace(self._kept)
        except OSError as error:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            if self._unkept != version:  # once a version; tried again at each look
                _log.warning(
                    "%s: no copy kept in %s (%s): a start with the file broken could not "
                    "answer from this version; make room there (tried again by itself)",
                    self.path,
                    self._kept.parent,
                    error.strerror or error,
                )
            self._unkept = version
            return
        if self._unkept is not None:
            _log.info("%s: kept in %s again", self.path, self._kept.parent)
        self._unkept = None

    def _failed(self, level: int, message: str, again: bool = False) -> None:
        """Say ``message`` of the version just looked at; one read ``again`` that still
        fails for the same cause (``read_again``) is said again, but counted and told once
        (its first line, "answering from its last version that loaded (kept in ...)", kept
        for the status)."""
        self._told += 1
        _log.log(level, "%s", message)
        if again and self._failure and _cause(message) == _cause(self._failure):
            return  # the same cause: a new one is counted and told, as the status shows it
        self._failure = message
        self.failures += 1
        if self._on_failure is not None:
            try:
                self._on_failure(message)
            except Exception as error:  # telling of it must not stop the watching
                _log.error("%s: telling of a failed reload: %s", self.path, error)

    @contextlib.contextmanager
    def running(self, every: float = 2.0) -> Iterator[Reloader[T]]:
        """Check the file every ``every`` seconds in a background thread while inside."""
        if every <= 0:
            yield self
            return
        stop = threading.Event()

        def watch() -> None:
            looked = time.monotonic()
            while not stop.wait(min(every, ASKED_POLL_SECONDS)):
                if self._asked:
                    self._asked = False
                    self.read_again()
                elif time.monotonic() - looked < every:
                    continue
                else:
                    self.check()
                looked = time.monotonic()

        thread = threading.Thread(target=watch, name="knotvoice-reload", daemon=True)
        thread.start()
        self._watching = True
        try:
            yield self
        finally:
            self._watching = False
            stop.set()
            # A build in progress finishes first; it takes seconds at most.
            thread.join(timeout=BUILD_WAIT_SECONDS)
            self._abandoned = thread.is_alive()
