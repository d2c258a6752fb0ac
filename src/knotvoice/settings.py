"""Settings, built once from the command line, a config file and the environment.

Precedence: command-line flag, then environment variable, then the TOML config file
(``--config`` or ``KNOTVOICE_CONFIG``), then the default. The rest of the code receives the
frozen result and never reads the environment itself.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from knotvoice.errors import KnotvoiceError

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
}


class SettingsError(KnotvoiceError):
    """A config file or setting is invalid."""


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
    voice: str | None = None
    """Text-to-speech voice id or a part of its name."""
    speech_rate: int = 165
    """Speaking rate in words per minute."""
    model_url: str | None = None
    """Where ``models download`` fetches from instead of the model's official address."""


def _convert(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in ("knowledge", "model", "models_dir"):
        return Path(str(value)).expanduser()
    if name == "speech_rate":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SettingsError(
                f"speech_rate must be a whole number of words per minute, not {value!r}"
            ) from None
    return str(value)


def _read_config(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(
            f"{path}: no such config file; check --config or KNOTVOICE_CONFIG"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: not valid TOML ({error}); fix the config file") from None
    known = {field.name for field in fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise SettingsError(
            f"{path}: unknown setting {unknown[0]!r}; known settings: {', '.join(sorted(known))}"
        )
    return data


def build_settings(
    flags: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    config: Path | None = None,
) -> Settings:
    """Combine command-line ``flags`` (None = not given), the environment and a config file."""
    environ = os.environ if environ is None else environ
    config = config or (
        Path(environ["KNOTVOICE_CONFIG"]) if environ.get("KNOTVOICE_CONFIG") else None
    )
    layers: dict[str, Any] = _read_config(config) if config else {}
    for name, variable in ENVIRONMENT.items():
        if environ.get(variable):
            layers[name] = environ[variable]
    for name, value in flags.items():
        if value is not None and name in ENVIRONMENT:
            layers[name] = value
    return Settings(**{name: _convert(name, value) for name, value in layers.items()})
