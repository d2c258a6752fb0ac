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


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'voice = "caf\xe9"\n', "not UTF-8 text; save the config file as UTF-8"),
        (b"\xff\xfe\x00\x01binary", "not UTF-8 text; save the config file as UTF-8"),
        (None, "is a folder; give --config or KNOTVOICE_CONFIG the path of a TOML file"),
    ],
    ids=["latin-1", "binary", "folder"],
)
def test_a_config_file_that_cannot_be_read_as_text_is_one_line(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    config = tmp_path / "kiosk.toml"
    if content is None:
        config.mkdir()
    else:
        config.write_bytes(content)
    with pytest.raises(SettingsError, match=rf"^{config}: {message}$"):
        build_settings({}, {}, config)
    with pytest.raises(SettingsError, match=rf"^{config}: {message}$"):
        build_settings({}, {"KNOTVOICE_CONFIG": str(config)})


def test_a_config_file_saved_with_a_byte_order_mark_and_windows_line_ends_is_read(
    tmp_path: Path,
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_bytes(b'\xef\xbb\xbfspeech_rate = 150\r\n[listen]\r\ntrigger = "wake"\r\n')
    settings = build_settings({}, {}, config)
    assert settings.speech_rate == 150 and settings.listen.mode == "wake"


def test_rate_must_be_a_number() -> None:
    with pytest.raises(SettingsError, match="whole number"):
        build_settings({}, {"KNOTVOICE_SPEECH_RATE": "fast"})


def test_serve_settings_come_from_flags_and_the_serve_table(tmp_path: Path) -> None:
    config = tmp_path / "knotvoice.toml"
    config.write_text(
        '[serve]\nuri = "tcp://0.0.0.0:10600"\nzeroconf = true\nreload = 5\nmax_audio = 20\n'
    )
    settings = build_settings({"uri": "tcp://127.0.0.1:10700", "zeroconf": None}, {}, config)
    serve = settings.serve
    assert serve.uri == "tcp://127.0.0.1:10700"
    assert serve.zeroconf == "", "true: announced under the default name"
    assert serve.reload_seconds == 5.0 and serve.max_audio_seconds == 20.0
    assert build_settings({"zeroconf": "kitchen"}, {}).serve.zeroconf == "kitchen"
    assert build_settings({}, {}).serve.zeroconf is None, "not announced unless asked"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"uri": "http://0.0.0.0:10500"}, "tcp://HOST:PORT or unix://PATH"),
        ({"reload": -1}, "reload must be 0"),
        ({"zeroconf": "x" * 64}, "at most 63 bytes"),
    ],
)
def test_bad_serve_settings_say_what_to_do(flags: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        build_settings(flags, {})


def test_unknown_serve_keys_are_named(tmp_path: Path) -> None:
    config = tmp_path / "knotvoice.toml"
    config.write_text("[serve]\nport = 10500\n")
    with pytest.raises(SettingsError, match=r"unknown setting 'serve\.port'"):
        build_settings({}, {}, config)


def test_whisper_threads_are_read_and_checked(tmp_path: Path) -> None:
    config = tmp_path / "knotvoice.toml"
    config.write_text("whisper_threads = 2\n")
    assert build_settings({}, {}, config).whisper_threads == 2
    assert build_settings({}, {}).whisper_threads == 1
    config.write_text("whisper_threads = 0\n")
    with pytest.raises(SettingsError, match="whisper_threads must be 1 to 64 threads"):
        build_settings({}, {}, config)


def test_whisper_window_is_read_as_seconds(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("whisper_window = 12\n")
    assert build_settings({}, {}, config).whisper_window == 12.0
    assert build_settings({}, {}).whisper_window == 20.0


@pytest.mark.parametrize(
    ("value", "margin"), [("12", 12.0), ('"off"', None), ("false", None)], ids=str
)
def test_the_noise_margin_is_decibels_or_off(
    tmp_path: Path, value: str, margin: float | None
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f"[listen]\nnoise_margin = {value}\n")
    assert build_settings({}, {}, config).listen.vad.noise_margin_db == margin
    assert build_settings({}, {}).listen.vad.noise_margin_db == 8.0


def test_a_bad_noise_margin_says_what_it_takes(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[listen]\nnoise_margin = "loud"\n')
    with pytest.raises(SettingsError, match="decibels or off"):
        build_settings({}, {}, config)


def test_echo_cancelling_is_on_unless_the_listen_table_turns_it_off(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("[listen]\necho_cancel = false\n")
    assert build_settings({}, {}, config).listen.echo_cancel is False
    assert build_settings({}, {}).listen.echo_cancel is True


def test_the_voice_detector_comes_from_the_flag_or_the_listen_table(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[listen]\nvad_detector = "silero"\n')
    assert build_settings({}, {}, config).listen.vad.detector == "silero"
    assert build_settings({"vad_detector": "webrtc"}, {}, config).listen.vad.detector == "webrtc"
    assert build_settings({}, {}).listen.vad.detector == "webrtc+silero"
    config.write_text('[listen]\nvad_detector = "ears"\n')
    with pytest.raises(SettingsError, match="webrtc"):
        build_settings({}, {}, config)


def test_relative_paths_in_a_config_file_are_taken_from_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A service starts in "/": a config file beside its knowledge must still find it.
    folder = tmp_path / "kiosk"
    folder.mkdir()
    config = folder / "kiosk.toml"
    config.write_text('knowledge = "faq.yaml"\nlog_dir = "/var/log/kv"\nmodels_dir = "../models"\n')
    monkeypatch.chdir("/")
    settings = build_settings({}, {}, config)
    assert settings.knowledge == folder.resolve() / "faq.yaml"
    assert settings.log_dir == Path("/var/log/kv"), "an absolute path stays as it is"
    # said as where it is, not as "kiosk/../models", in messages and `status`
    assert str(settings.models_dir) == str(tmp_path.resolve() / "models")
    # From a flag or the environment, a relative path is the current folder's, as in a shell.
    assert build_settings({"knowledge": "mine.yaml"}, {}, config).knowledge == Path("mine.yaml")
    env = {"KNOTVOICE_KNOWLEDGE": "env.yaml"}
    assert build_settings({}, env, config).knowledge == Path("env.yaml")


def test_a_bad_value_names_the_file_or_variable_it_came_from(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('speech_rate = "fast"\n[listen]\nend_silence = "long"\n')
    with pytest.raises(SettingsError, match=rf"^{config}: speech_rate must be a whole number"):
        build_settings({}, {}, config)
    with pytest.raises(SettingsError, match=r"^KNOTVOICE_SPEECH_RATE: speech_rate must be"):
        build_settings({}, {"KNOTVOICE_SPEECH_RATE": "fast"})
    with pytest.raises(SettingsError, match=rf"^{config}: end_silence must be a number"):
        build_settings({"speech_rate": 150}, {}, config)
    with pytest.raises(SettingsError, match=r"^--end-silence must be a number"):
        build_settings({"end_silence": "long"}, {})


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("idle_exit", 0, "idle_exit must be a number of seconds more than 0, not 0"),
        ("idle_exit", -1, "idle_exit must be a number of seconds more than 0, not -1"),
        ("end_silence", 0, "end_silence must be a number of seconds more than 0"),
        ("end_silence", -1, "end_silence must be a number of seconds more than 0"),
        ("max_utterance", 0, "max_utterance must be a number of seconds more than 0"),
        ("max_utterance", -1, "max_utterance must be a number of seconds more than 0"),
        ("no_speech_timeout", -1, "no_speech_timeout must be a number of seconds more than 0"),
        ("follow_up", -5, r"follow_up must be a number of seconds, 0 \(none\) or more, not -5"),
        (
            "end_silence_unsure",
            -1,
            r"end_silence_unsure must be a number of seconds, 0 \(none\) or more, not -1",
        ),
        ("slow_rate", -10, "slow_rate must be a whole number of words per minute, 80 or more"),
        ("input_rate", 0, "input_rate must be a whole number of Hertz more than 0, not 0"),
    ],
)
def test_kiosk_timings_and_rates_must_be_more_than_0(
    tmp_path: Path, key: str, value: int, message: str
) -> None:
    # A kiosk that stops as soon as it starts, or cuts every question, is refused in one line,
    # which names the flag or the key as the user wrote it.
    flag = "--" + key.replace("_", "-")
    with pytest.raises(SettingsError, match=rf"^{message.replace(key, flag, 1)}"):
        build_settings({key: value}, {})
    config = tmp_path / "kiosk.toml"
    config.write_text(f"[listen]\n{key} = {value}\n")
    with pytest.raises(SettingsError, match=rf"^{config}: {message}"):
        build_settings({}, {}, config)


def test_a_follow_up_of_0_means_none() -> None:
    assert build_settings({"follow_up": 0}, {}).listen.follow_up_seconds == 0.0


def test_the_longer_end_of_an_unsure_question_is_set_by_flag_or_config(tmp_path: Path) -> None:
    assert build_settings({}, {}).listen.vad.end_silence_unsure_seconds == 1.5
    assert build_settings({"end_silence_unsure": 0}, {}).listen.vad.end_silence_unsure_seconds == 0
    config = tmp_path / "kiosk.toml"
    config.write_text("[listen]\nend_silence_unsure = 2.5\n")
    assert build_settings({}, {}, config).listen.vad.end_silence_unsure_seconds == 2.5


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("end_silence", "inf", "end_silence must be a number of seconds more than 0, not inf"),
        ("max_utterance", "inf", "max_utterance must be a number of seconds more than 0"),
        ("idle_exit", "inf", "idle_exit must be a number of seconds more than 0, not inf"),
        ("follow_up", "inf", r"follow_up must be a number of seconds, 0 \(none\) or more"),
    ],
)
def test_kiosk_timings_must_be_finite(key: str, value: str, message: str) -> None:
    # An endless end of speech or question stopped the kiosk with a traceback at its start.
    flag = "--" + key.replace("_", "-")
    with pytest.raises(SettingsError, match=rf"^{message.replace(key, flag, 1)}"):
        build_settings({key: float(value)}, {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("output_rate = 0", "output_rate must be a whole number of Hertz more than 0, not 0"),
        ("output_rate = -5", "output_rate must be a whole number of Hertz more than 0, not -5"),
        ("speech_rate = 0", "speech_rate must be a whole number of words per minute, 80 or more"),
        ("speech_rate = -100", "speech_rate must be a whole number of words per minute, 80 or"),
        ("whisper_window = nan", "whisper_window must be a number of seconds more than 0, not nan"),
        ("whisper_window = -5", "whisper_window must be a number of seconds more than 0, not -5"),
        ("[serve]\nreload = nan", "reload must be 0 \\(never\\) or more seconds"),
        ("[serve]\nreload = inf", "reload must be 0 \\(never\\) or more seconds"),
        ("[serve]\nidle_timeout = nan", "idle_timeout must be a number of seconds more than 0, "),
        ("[serve]\nidle_timeout = inf", "idle_timeout must be a number of seconds more than 0, "),
        (
            "[serve]\nmax_audio = 1e12",
            "max_audio must be a number of seconds more than 0 and at most 300, not 1e\\+12",
        ),
        ("[serve]\nmax_audio = inf", "max_audio must be a number of seconds more than 0 and at "),
    ],
)
def test_rates_and_windows_must_be_numbers_more_than_0(
    tmp_path: Path, text: str, message: str
) -> None:
    """A playback rate below 1 failed every reply of a running kiosk ("Sample rate should be
    over 0"), a window that is no number every question heard, and a reload or timeout that
    is no number was taken as it was. A server's max_audio of 1e12 seconds let a client fill
    its memory; an idle_timeout of inf was told it "must be more than 0"."""
    config = tmp_path / "kiosk.toml"
    config.write_text(text + "\n")
    with pytest.raises(SettingsError, match=rf"^{config}: {message}"):
        build_settings({}, {}, config)


@pytest.mark.parametrize(
    "uri", ["tcp://127.0.0.1:99999", "tcp://127.0.0.1:abc", "tcp://127.0.0.1", "tcp://:10500"]
)
def test_a_server_address_without_a_port_it_can_use_is_refused_at_once(uri: str) -> None:
    """Refused before the speech model loads, where a port out of range or not a number was
    a traceback once it had."""
    with pytest.raises(SettingsError, match=r"uri must be tcp://HOST:PORT .*port of 0 to 65535"):
        build_settings({"uri": uri}, {})
    assert build_settings({"uri": "tcp://[::]:10500"}, {}).serve.uri == "tcp://[::]:10500"
    assert build_settings({"uri": "unix:///run/kv.sock"}, {}).serve.uri == "unix:///run/kv.sock"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("max_turns = 1.5", "max_turns must be a whole number of 1 or more, not 1.5"),
        ("max_turns = 0", "max_turns must be a whole number of 1 or more, not 0"),
        ("keep_audio = -2", "keep_audio must be a number of days more than 0, not -2"),
        ("slow_rate = 99.9", "slow_rate must be a whole number of words per minute, not 99.9"),
    ],
)
def test_counts_are_whole_and_their_errors_name_the_config_file(
    tmp_path: Path, text: str, message: str
) -> None:
    """``max_turns = 1.5`` was read as 1; the errors of max_turns and keep_audio did not say
    which file held them."""
    config = tmp_path / "kiosk.toml"
    config.write_text(f"[listen]\n{text}\n")
    with pytest.raises(SettingsError, match=rf"^{config}: {message}"):
        build_settings({}, {}, config)


def test_the_config_file_documented_for_operators_is_read_as_it_says(tmp_path: Path) -> None:
    """docs/operating.md's example and key lists are what an operator copies."""
    docs = (Path(__file__).resolve().parents[1] / "docs" / "operating.md").read_text()
    section = docs.split("## The config file", 1)[1].split("\n## ", 1)[0]
    example = section.split("table:\n\n", 1)[1].split("\n\nTop level:", 1)[0]
    config = tmp_path / "knotvoice.toml"
    config.write_text("\n".join(line.removeprefix("    ") for line in example.splitlines()))
    settings = build_settings({}, {}, config)
    assert settings.knowledge == tmp_path / "knowledge" / "my-faq.yaml"
    assert settings.listen.mode.value == "wake"
    assert settings.listen.keep_audio_days == 7
    assert settings.serve.uri == "tcp://127.0.0.1:10500"
    top = section.split("Top level:", 1)[1].split(".", 1)[0]
    for key in top.replace("`", "").replace(",", " ").split():
        probe = tmp_path / f"{key}.toml"
        probe.write_text(f"{key} = 1\n")
        try:
            build_settings({}, {}, probe)
        except SettingsError as error:
            assert "unknown setting" not in str(error), key


@pytest.mark.parametrize("phrase", ["", "   ", "?!"])
def test_a_blank_wake_phrase_is_refused(tmp_path: Path, phrase: str) -> None:
    """A wake phrase of no words woke the kiosk in wake mode to every utterance."""
    with pytest.raises(SettingsError, match=r"^--wake-phrase must be words.*vad"):
        build_settings({"trigger": "wake", "wake_phrase": phrase}, {})
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[listen]\ntrigger = "wake"\nwake_phrase = "{phrase}"\n')
    with pytest.raises(SettingsError, match=rf"^{config}: wake_phrase must be words"):
        build_settings({}, {}, config)
    assert build_settings({"wake_phrase": " Hey, Knot "}, {}).listen.wake_phrase == "Hey, Knot"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('trigger = "wake"\n', "'trigger' is a kiosk setting; put it under \\[listen\\]"),
        ('uri = "tcp://127.0.0.1:1"\n', "'uri' is a server setting; put it under \\[serve\\]"),
        (
            '[listen]\ninput_device = "USB"\n',
            "'input_device' is a top-level setting; put it above \\[listen\\]",
        ),
    ],
)
def test_a_setting_in_the_wrong_table_says_where_it_goes(
    tmp_path: Path, text: str, message: str
) -> None:
    """`trigger = "wake"` at the top of the file was refused as an unknown setting."""
    config = tmp_path / "kiosk.toml"
    config.write_text(text)
    with pytest.raises(SettingsError, match=rf"^{config}: {message}$"):
        build_settings({}, {}, config)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'input_device = ["testmic"]',
            "input_device must be a part of the device's name in quotes, or its index",
        ),
        ("knowledge = 42", "knowledge must be a path in quotes"),
        ("models_dir = true", "models_dir must be a path in quotes"),
        ("voice = 3", "voice must be text in quotes"),
        ('model_url = ["https://example.org/m.zip"]', "model_url must be text in quotes"),
        ("[listen]\nwake_phrase = 7", "wake_phrase must be text in quotes"),
        ('[serve]\nzeroconf = ["kiosk"]', "zeroconf must be true, false or a name in quotes"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_the_file(
    tmp_path: Path, text: str, message: str
) -> None:
    """`input_device = ["testmic"]` looked for a device named "['testmic']", and
    `knowledge = 42` for a knowledge file named 42, in the config file's folder."""
    config = tmp_path / "kiosk.toml"
    config.write_text(text + "\n")
    with pytest.raises(SettingsError, match=rf"^{config}: {message}, not "):
        build_settings({}, {}, config)


def test_a_device_index_may_be_a_number_in_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("input_device = 1\noutput_device = 'USB'\n")
    settings = build_settings({}, {}, config)
    assert (settings.input_device, settings.output_device) == ("1", "USB")
    assert settings.listen.microphone.device == "1"


@pytest.mark.parametrize("rate", [10, 79])
def test_a_slow_rate_under_the_slowest_voice_is_refused(tmp_path: Path, rate: int) -> None:
    """`--slow-rate 10` was taken, under the 80 words a minute docs/kiosk.md gives as the
    slowest "slower" goes."""
    with pytest.raises(SettingsError, match=rf"^--slow-rate must be .* 80 or more, not {rate}$"):
        build_settings({"slow_rate": rate}, {})
    config = tmp_path / "kiosk.toml"
    config.write_text(f"[listen]\nslow_rate = {rate}\n")
    with pytest.raises(SettingsError, match=rf"^{config}: slow_rate must be .* 80 or more"):
        build_settings({}, {}, config)
    assert build_settings({"slow_rate": 80}, {}).listen.slow_rate == 80


@pytest.mark.parametrize("name", ["speech_rate", "slow_rate"])
def test_a_rate_faster_than_the_voice_can_speak_is_refused(tmp_path: Path, name: str) -> None:
    """`KNOTVOICE_SPEECH_RATE=1000` was taken, and a 15-word answer was said in 1.2 s; a rate
    of 60 was spoken at espeak-ng's slowest, 80, saying nothing of it."""
    with pytest.raises(
        SettingsError, match=r"^KNOTVOICE_SPEECH_RATE: speech_rate must be .* 450 or fewer"
    ):
        build_settings({}, {"KNOTVOICE_SPEECH_RATE": "1000"})
    with pytest.raises(SettingsError, match=r"^KNOTVOICE_SPEECH_RATE: .* 80 or more, not 60$"):
        build_settings({}, {"KNOTVOICE_SPEECH_RATE": "60"})
    config = tmp_path / "kiosk.toml"
    config.write_text(f"{name} = 451\n" if name == "speech_rate" else f"[listen]\n{name} = 451\n")
    with pytest.raises(SettingsError, match=rf"^{config}: {name} must be .* 450 or fewer"):
        build_settings({}, {}, config)
    assert build_settings({}, {"KNOTVOICE_SPEECH_RATE": "450"}).speech_rate == 450


def test_a_models_folder_that_is_a_file_is_refused_where_it_was_named(tmp_path: Path) -> None:
    """`--models-dir faq.yaml` was taken: the models were looked for, and the cache kept,
    elsewhere without a word. A folder not there yet is taken: `models download` makes it."""
    file = tmp_path / "faq.yaml"
    file.write_text("version: 1\n")
    config = tmp_path / "kiosk.toml"
    config.write_text('models_dir = "faq.yaml"\n')
    said = f"{file} is a file; give a folder"
    with pytest.raises(SettingsError, match=f"^--models-dir: {said}"):
        build_settings({"models_dir": str(file)}, {})
    with pytest.raises(SettingsError, match=f"^KNOTVOICE_MODELS: models_dir: {said}"):
        build_settings({}, {"KNOTVOICE_MODELS": str(file)})
    with pytest.raises(SettingsError, match=f"^{config}: models_dir: {said}"):
        build_settings({}, {}, config)
    assert build_settings({"models_dir": str(tmp_path / "new")}, {}).models_dir == tmp_path / "new"
