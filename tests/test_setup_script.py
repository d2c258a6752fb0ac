"""script/setup on a machine that has some Debian packages and not others.

setup runs in a copy of the checkout whose ``dpkg-query`` and ``id`` are stand-ins (the
packages given are installed, the user is not root), and whose ``.venv`` holds stand-ins
for pip and knotvoice, so only its handling of system packages is real.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def pi_packages() -> list[str]:
    """The packages the README's Raspberry Pi section installs with apt-get."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Run it on a Raspberry Pi kiosk") :]
    command = re.search(r"sudo apt-get install -y (.*?)\n\s*sudo useradd", section, re.S)
    assert command is not None
    return command.group(1).replace("\\", " ").split()


def run_setup(tmp_path: Path, installed: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    checkout = tmp_path / "checkout"
    (checkout / "script").mkdir(parents=True)
    shutil.copy(ROOT / "script" / "setup", checkout / "script" / "setup")
    (checkout / "pyproject.toml").write_text("[project]\nname = 'stand-in'\n")
    tools = tmp_path / "bin"
    tools.mkdir()
    stand_ins = {
        tools / "dpkg-query": 'case " $KNOTVOICE_TEST_INSTALLED " in\n'
        '  *" ${@: -1} "*) printf "install ok installed" ;;\n'
        "  *) exit 1 ;;\nesac\n",
        tools / "id": "echo 1000\n",
        checkout / ".venv" / "bin" / "python": "exit 0\n",
        checkout / ".venv" / "bin" / "knotvoice": "exit 0\n",
    }
    for path, body in stand_ins.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/usr/bin/env bash\n" + body)
        path.chmod(0o755)
    environment = {
        **os.environ,
        "PATH": f"{tools}:{os.environ['PATH']}",
        "KNOTVOICE_TEST_INSTALLED": " ".join(installed),
    }
    return subprocess.run(
        ["bash", str(checkout / "script" / "setup"), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_setup_passes_on_a_kiosk_with_the_readmes_packages(tmp_path: Path) -> None:
    """The Raspberry Pi steps (the README's apt-get line, then setup as the kiosk's user)
    set the kiosk up, not stop at packages only the tests and benchmarks use."""
    done = run_setup(tmp_path, pi_packages())
    assert done.returncode == 0, done.stderr
    assert "missing system packages" not in done.stderr


def test_setup_names_a_missing_package_the_kiosk_needs(tmp_path: Path) -> None:
    installed = [name for name in pi_packages() if name != "espeak-ng"]
    done = run_setup(tmp_path, installed)
    assert done.returncode == 1
    assert "sudo apt-get install -y espeak-ng" in done.stderr


@pytest.mark.parametrize("package", ["chromium", "pulseaudio"])
def test_setup_for_the_tests_asks_for_what_they_use(tmp_path: Path, package: str) -> None:
    """./script/test sets up with --dev: the screen's browser tests and the listening
    benchmark's sound server are asked for before the suite runs."""
    assert "./script/setup --dev" in (ROOT / "script" / "test").read_text()
    done = run_setup(tmp_path, pi_packages(), "--dev")
    assert done.returncode == 1
    assert package in done.stderr
