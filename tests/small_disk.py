"""A folder too small for a reply: a tmpfs of 64 KB, where espeak-ng's WAV file of a reply
cannot be saved ("No space left on device"), as in a full temporary folder.

Mounting one needs root, which the tests have in CI; elsewhere the tests using it are skipped.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
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
