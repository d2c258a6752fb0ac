from __future__ import annotations

from pathlib import Path

import pytest

from knotvoice.settings import Settings, SettingsError, build_settings


def test_flags_beat_environment_beat_config(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('engine = "vosk"\nvoice = "en-gb"\nspeech_rate = 140\n')
    env = {"KNOTVOICE_VOICE": "en-us", "KNOTVOICE_OUTPUT_DEVICE": "USB"}
    settings = build_settings({"engine": "whisper", "voice": None}, env, config)
    assert settings.engine == "whisper"
    assert settings.voice == "en-us"
    assert settings.output_device == "USB"
    assert settings.speech_rate == 140


def test_defaults_point_into_the_project() -> None:
    settings = build_settings({}, {})
    assert settings == Settings()
    assert settings.knowledge.name == "knots.yaml"
    assert settings.knowledge.is_file()


@pytest.mark.parametrize(
    ("text", "message"),
    [("engine = \n", "not valid TOML"), ('colour = "blue"\n', "unknown setting 'colour'")],
)
def test_bad_config_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(text)
    with pytest.raises(SettingsError, match=message):
        build_settings({}, {}, config)


def test_rate_must_be_a_number() -> None:
    with pytest.raises(SettingsError, match="whole number"):
        build_settings({}, {"KNOTVOICE_SPEECH_RATE": "fast"})
