"""Speech models: the ones knotvoice knows, where they live, and a safe download.

``download`` streams the archive into a temporary file next to the models, checks its size
and SHA-256, unpacks it into a temporary directory and only then renames the model directory
into place, so an interrupted or corrupt download never leaves a half-installed model.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import logging
import os
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, TextIO

from knotvoice.errors import DownloadError, ModelError

logger = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]
"""Called as ``progress(bytes_done, bytes_total_or_None)`` while downloading."""

BLOCK = 64 * 1024
"""Bytes read from the network at a time."""
MB = 1_000_000
"""Bytes in a megabyte, as download sizes are shown."""
LEFT_AFTER = 3600.0
"""A download's partial archive or unpacking folder this old was left by one that was
killed (a power cut, ``kill -9``): the next download of that model deletes it."""
NETWORK_HINT = (
    "check the network; with none, download the archive on a machine that has one and pass "
    "--url file:///path/to/it.zip"
)
"""What to do about a download that failed on the way; a kiosk is often offline."""


@dataclass(frozen=True)
class ModelSpec:
    """A downloadable speech model."""

    name: str
    """Name used on the command line, e.g. ``vosk-small-en-us``."""
    url: str
    """Where the zip archive is downloaded from."""
    sha256: str
    """Hex SHA-256 of the zip archive."""
    directory: str
    """Name of the model directory inside the archive (and under the models directory)."""
    size_mb: float
    """Approximate archive size in megabytes."""
    engine: str = "vosk"
    """Recognizer that uses the model."""
    language: str = "en-us"
    """Language the model recognises."""


MODELS: Mapping[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="vosk-small-en-us",
            url="https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip",
            sha256="30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
            directory="vosk-model-small-en-us-0.15",
            size_mb=40.0,
        ),
    )
}
"""Every model ``knotvoice models download`` knows, by name."""


def get_spec(name: str) -> ModelSpec:
    """The known model called ``name``; ``ModelError`` naming the known ones otherwise."""
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise ModelError(f"unknown model {name!r}; known models: {known}") from None


def installed_path(spec: ModelSpec, models_dir: Path) -> Path:
    """Where ``spec`` is (or would be) installed under ``models_dir``."""
    return Path(models_dir) / spec.directory


def is_vosk_model(path: Path) -> bool:
    """Whether ``path`` has the layout of a vosk model: an acoustic model, its features'
    configuration and a decoding graph (an unpacking cut short has not)."""
    has_acoustic = (path / "am" / "final.mdl").is_file() or (path / "final.mdl").is_file()
    has_conf = (path / "conf" / "mfcc.conf").is_file() or (path / "mfcc.conf").is_file()
    graph = path / "graph" if (path / "graph").is_dir() else path
    has_graph = (graph / "HCLG.fst").is_file() or (
        (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()
    )
    return has_acoustic and has_conf and has_graph


def is_installed(spec: ModelSpec, models_dir: Path) -> bool:
    """Whether ``spec`` is installed, whole, under ``models_dir`` (a directory of its name
    that is not a model, left by a copy or an unzip cut short, is not)."""
    path = installed_path(spec, models_dir)
    return path.is_dir() and (spec.engine != "vosk" or is_vosk_model(path))


def find_english_vosk_model(models_dir: Path) -> Path | None:
    """An installed English vosk model under ``models_dir`` (known ones first), or None."""
    models_dir = Path(models_dir)
    if not models_dir.is_dir():
        return None
    for spec in MODELS.values():
        if (
            spec.engine == "vosk"
            and spec.language.startswith("en")
            and is_installed(spec, models_dir)
        ):
            return installed_path(spec, models_dir)
    try:
        entries = sorted(models_dir.iterdir())
    except OSError:
        return None
    for entry in entries:
        if (
            entry.name.startswith("vosk-model")
            and "-en-" in entry.name
            and entry.is_dir()
            and is_vosk_model(entry)
        ):
            return entry
    return None


def download(
    spec: ModelSpec,
    models_dir: Path,
    url: str | None = None,
    progress: Progress | None = None,
    timeout: float = 30.0,
    force: bool = False,
) -> Path:
    """Download, verify and install ``spec`` under ``models_dir``; returns the model directory.

    An installed model is returned as it is unless ``force`` (a directory of its name that
    is not a whole model is replaced). ``url`` replaces ``spec.url``.
    ``timeout`` bounds each network wait, in seconds. Raises ``DownloadError`` (and leaves
    nothing new behind, and any installed model as it was) on network errors, truncated
    transfers, checksum mismatches and bad archives; cleans up on ``KeyboardInterrupt`` too.
    """
    models_dir = Path(models_dir)
    target = installed_path(spec, models_dir)
    if is_installed(spec, models_dir) and not force:
        logger.info("%s is already installed at %s", spec.name, target)
        return target
    source = spec.url if url is None else url.strip()
    made = _missing(models_dir)
    try:
        return _install_from(spec, models_dir, source, progress, timeout)
    except BaseException:
        # A folder made for the model is not left behind, empty, to look like a models folder.
        for folder in made:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _missing(folder: Path) -> list[Path]:
    """``folder`` and those of its parents that are not there, the deepest first."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def _install_from(
    spec: ModelSpec, models_dir: Path, source: str, progress: Progress | None, timeout: float
) -> Path:
    """``download``'s work: fetch ``source`` into ``models_dir``, check it and install it."""
    target = installed_path(spec, models_dir)
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DownloadError(
            f"cannot create the models directory {models_dir} ({error.strerror}); "
            "pass a writable --models-dir"
        ) from None
    prefix = f".{spec.directory}."
    _clear_left(models_dir, prefix)
    try:
        handle, partial_name = tempfile.mkstemp(
            dir=models_dir, prefix=prefix, suffix=".zip.partial"
        )
    except OSError as error:
        raise DownloadError(
            f"cannot write in the models directory {models_dir} ({error.strerror or error}); "
            "run this as the user who owns it, or pass a writable --models-dir"
        ) from None
    partial = Path(partial_name)
    unpack_dir: Path | None = None
    given = source != spec.url  # the user's address (--url), not the model's own
    try:
        with os.fdopen(handle, "wb") as sink:
            digest = _fetch(source, sink, progress, timeout, given)
        if digest != spec.sha256.lower():
            if not zipfile.is_zipfile(partial):
                fix = (
                    f"pass the --url of {spec.name}'s .zip archive"
                    if given
                    else f"a network's sign-in page or a proxy's answer?; {NETWORK_HINT}"
                )
                raise DownloadError(
                    f"{source}: not a zip archive (a web page, or another kind of file); {fix}"
                )
            raise DownloadError(
                f"{source}: checksum mismatch (expected sha256 {spec.sha256}, got {digest}): "
                f"not the archive of {spec.name} knotvoice installs (a --url must give a copy "
                "of that very archive), or damaged on the way; download it again"
            )
        unpack_dir = Path(tempfile.mkdtemp(dir=models_dir, prefix=prefix, suffix=".unpack"))
        _unpack(partial, unpack_dir, source)
        unpacked = unpack_dir / spec.directory
        if not unpacked.is_dir():
            raise DownloadError(
                f"{source}: the archive has no {spec.directory}/ directory; "
                "pass the --url of the right model archive"
            )
        _install(unpacked, target, models_dir, prefix)
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
        if unpack_dir is not None:
            shutil.rmtree(unpack_dir, ignore_errors=True)
    logger.info("installed %s at %s", spec.name, target)
    return target


def _clear_left(models_dir: Path, prefix: str) -> None:
    """Delete what a killed download of this model left in ``models_dir`` (a partial
    archive as big as the model, an unpacking folder), once it is ``LEFT_AFTER`` old: a
    download under way writes to its own every moment."""
    stale = time.time() - LEFT_AFTER
    for left in models_dir.glob(f"{prefix}*"):
        with contextlib.suppress(OSError):
            if left.stat().st_mtime >= stale:
                continue
            if left.name.endswith(".zip.partial"):
                left.unlink()
            elif left.name.endswith(".unpack"):
                shutil.rmtree(left)


def _fetch(
    url: str, sink: IO[bytes], progress: Progress | None, timeout: float, given: bool = True
) -> str:
    """Stream ``url`` into ``sink``; returns the hex SHA-256 of what was received.
    ``given``: the address is the user's (``--url``), not the model's official one."""
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "knotvoice"})
    except ValueError:
        raise DownloadError(
            f"{url!r} is not an address to download from; pass an http://, https:// or "
            "file:// --url (a file on this machine: file:///path/to/model.zip)"
        ) from None
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "file" and parts.netloc not in ("", "localhost"):
        raise DownloadError(
            f"{url}: a file on this machine is named by its full path after three slashes: "
            f"--url file:///path/to/{parts.netloc or 'it.zip'}"
        )
    hasher = hashlib.sha256()
    done = 0
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            if progress is not None:
                progress(0, total)
            while True:
                block = response.read(BLOCK)
                if not block:
                    break
                hasher.update(block)
                sink.write(block)
                done += len(block)
                if progress is not None:
                    progress(done, total)
    except urllib.error.HTTPError as error:
        if given and 400 <= error.code < 500:
            # the server is reached: the address is wrong, or the file is not there for us
            raise DownloadError(
                f"{url}: the server answered {error.code} {error.reason}; check the --url "
                "(leave it out for the model's official address)"
            ) from None
        raise DownloadError(
            f"{url}: the server answered {error.code} {error.reason}; retry later, or "
            f"{NETWORK_HINT}"
        ) from None
    except urllib.error.URLError as error:
        if parts.scheme == "file":
            raise _unreadable(url, error.reason) from None
        raise DownloadError(f"cannot download {url} ({error.reason}); {NETWORK_HINT}") from None
    except http.client.IncompleteRead as error:
        raise DownloadError(
            f"{url}: the transfer stopped after {done + len(error.partial)} bytes; "
            f"{NETWORK_HINT}, then retry"
        ) from None
    except (OSError, http.client.HTTPException) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise DownloadError(f"cannot download {url} ({reason}); {NETWORK_HINT}") from None
    if total is not None and done != total:
        raise DownloadError(
            f"{url}: the transfer stopped after {done} of {total} bytes; {NETWORK_HINT}, then retry"
        )
    return hasher.hexdigest()


def _unreadable(url: str, reason: object) -> DownloadError:
    """The error for a ``file://`` archive that cannot be read: the network has no part in it."""
    path = urllib.request.url2pathname(urllib.parse.urlsplit(url).path)
    if isinstance(reason, FileNotFoundError):
        return DownloadError(
            f"{path}: no such file; pass --url file:///path/to/it.zip naming the model's "
            "archive on this machine"
        )
    why = reason.strerror if isinstance(reason, OSError) and reason.strerror else reason
    return DownloadError(f"{path}: cannot read the archive ({why}); check its path and permissions")


def _unpack(archive: Path, into: Path, url: str) -> None:
    """Extract the zip ``archive`` into ``into``, refusing members that would land outside it."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = bundle.infolist()
            for member in members:
                name = PurePosixPath(member.filename.replace("\\", "/"))
                if name.is_absolute() or ".." in name.parts or ":" in member.filename:
                    raise DownloadError(
                        f"{url}: the archive has an unsafe path {member.filename!r}; "
                        "it was not installed, pass the --url of a genuine model archive"
                    )
            bundle.extractall(into, members)
    except zipfile.BadZipFile as error:
        raise DownloadError(
            f"{url}: not a valid zip archive ({error}); retry or pass the right --url"
        ) from None
    except OSError as error:
        raise DownloadError(
            f"cannot unpack {url} into {into.parent} ({error.strerror}); free some disk space "
            "and retry"
        ) from None


def _install(unpacked: Path, target: Path, models_dir: Path, prefix: str) -> None:
    """Rename ``unpacked`` to ``target``, replacing an existing model only once it succeeds."""
    old: Path | None = None
    try:
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=models_dir, prefix=prefix, suffix=".old"))
            os.replace(target, old / target.name)
        try:
            os.replace(unpacked, target)
        except BaseException:
            if old is not None:
                os.replace(old / target.name, target)
                shutil.rmtree(old, ignore_errors=True)
                old = None
            raise
    except OSError as error:
        raise DownloadError(
            f"cannot install the model at {target} ({error.strerror}); "
            "check the permissions of the models directory"
        ) from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


class ProgressBar:
    """A one-line download progress display for the command line.

    Redraws ``label  12.3/39.3 MB  31%`` in place on a terminal; elsewhere only the final
    line is written. Call ``close()`` when the download ends (it is safe to call twice).
    """

    def __init__(self, label: str = "", stream: TextIO | None = None) -> None:
        """Show progress of ``label`` on ``stream`` (standard error by default)."""
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._line = ""
        self._closed = False

    def format(self, done: int, total: int | None) -> str:
        """The progress line for ``done`` of ``total`` bytes."""
        lead = f"{self.label}  " if self.label else ""
        if total:
            percent = min(100, done * 100 // total)
            return f"{lead}{done / MB:.1f}/{total / MB:.1f} MB  {percent}%"
        return f"{lead}{done / MB:.1f} MB"

    def __call__(self, done: int, total: int | None) -> None:
        """Show that ``done`` of ``total`` (None if unknown) bytes have arrived."""
        if self._closed:
            return
        line = self.format(done, total)
        if line != self._line and self._tty:
            self.stream.write("\r" + line.ljust(len(self._line)))
            self.stream.flush()
        self._line = line
        if total is not None and done >= total:
            self.close()

    def close(self) -> None:
        """Finish the line (or, off a terminal, write the final state once)."""
        if self._closed:
            return
        self._closed = True
        if not self._line:
            return
        self.stream.write("\n" if self._tty else self._line + "\n")
        self.stream.flush()
