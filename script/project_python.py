"""Imported first by the scripts here: one started with a Python that lacks knotvoice (the
system's ``python3``, when ``.venv/bin`` is not on ``PATH``) is started again with the
project's own, ``.venv/bin/python``; with none, it says how to make one."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

_AGAIN = "KNOTVOICE_SCRIPT_AGAIN"
"""Set when a script was started again, so it is not started again a second time."""

if importlib.util.find_spec("knotvoice") is None:
    project = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "python"
    if project.is_file() and not os.environ.get(_AGAIN):
        os.environ[_AGAIN] = "1"
        os.execv(str(project), [str(project), *sys.argv])
    sys.exit(
        f"{sys.argv[0]}: knotvoice is not installed for {sys.executable}; run ./script/setup, "
        "then this script with .venv/bin on PATH"
    )
