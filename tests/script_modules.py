"""Loading the helpers under ``script/`` (not a package) into a test."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SCRIPTS = Path(__file__).resolve().parents[1] / "script"


def load_script(name: str) -> ModuleType:
    """Import ``script/<name>.py``, or the command ``script/<name>`` (``make-fixtures``,
    ``soak``: no ``.py``), as the module ``name`` (``make_fixtures`` for a hyphen)."""
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))  # they import one another (listen_bench)
    path = SCRIPTS / f"{name}.py"
    if not path.is_file():
        path = SCRIPTS / name
    module_name = name.replace("-", "_")
    loader = importlib.machinery.SourceFileLoader(module_name, str(path))
    spec = importlib.util.spec_from_loader(module_name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses look their module up
    loader.exec_module(module)
    return module
