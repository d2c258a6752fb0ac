"""A folder too small for a reply: a tmpfs of 64 KB, where espeak-ng's WAV file of a reply
cannot be saved ("No space left on device"), as in a full temporary folder; and a read-only
folder, where nothing can be written, not even by root ("Read-only file system"), as a
folder owned by another user is to an operator.

Mounting one needs root, which the tests have in CI; elsewhere the tests using it are skipped.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

SIZE = "64k"
"""Room for the folders a reply is rendered in, not for a second of its audio (44 KB)."""
ROOMY = "8m"
"""Room for any reply."""


@dataclass(frozen=True)
class SmallFolder:
    path: Path

    def make_room(self) -> None:
        """Grow the folder to ``ROOMY``, as an operator freeing space would."""
        subprocess.run(
            ["mount", "-o", f"remount,size={ROOMY}", str(self.path)], check=True, timeout=10
        )


@contextmanager
def small_folder(path: Path) -> Iterator[SmallFolder]:
    """Mount a ``SIZE`` tmpfs on ``path`` for the duration of the block (skip without root)."""
    path.mkdir(parents=True, exist_ok=True)
    command = ["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(path)]
    try:
        mounted = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as error:
        pytest.skip(f"cannot mount a tmpfs here ({error})")
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()})")
    try:
        yield SmallFolder(path)
    finally:
        subprocess.run(["umount", str(path)], check=False, timeout=10)


@contextmanager
def read_only_folder(path: Path, files: Iterable[Path] = ()) -> Iterator[Path]:
    """Mount a tmpfs on ``path`` holding copies of ``files``, then make it read-only, for the
    duration of the block (skip without root)."""
    with small_folder(path) as folder:
        folder.make_room()
        for file in files:
            shutil.copy2(file, folder.path / file.name)
        subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True, timeout=10)
        yield folder.path
