from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from knotvoice import app
from knotvoice.app import load_recognizer, rebias, recognition_bias
from knotvoice.asr.whisper import WINDOW_SECONDS, WhisperModel, WhisperRecognizer, _has_words
from knotvoice.audio import AudioChunk, chunks_from_array, read_audio
from knotvoice.errors import ModelError
from knotvoice.kiosk.triggers import strip_wake_phrase
from knotvoice.knowledge import Knowledge, load
from knotvoice.lang import english
from knotvoice.settings import ListenSettings, Settings, TriggerMode
from knotvoice.speech.tts import Synthesizer
from knotvoice.turn import command_of

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "audio_fixtures"


def test_whisper_hears_a_spoken_question(
    whisper: WhisperRecognizer, synthesizer: Synthesizer
) -> None:
    speech = synthesizer.synthesize("How often should I massage a knot in my back?")
    chunks = list(chunks_from_array(np.concatenate([c.to_float() for c in speech]), 22050))
    stream = whisper.stream()
    for chunk in chunks:
        stream.accept(chunk)
    transcript = stream.finish()
    assert transcript.engine == "whisper"
    assert "massage" in transcript.text.lower()
    assert transcript.words == (), "word timings wait until asked for, off the visitor's wait"
    timed = transcript.timed()
    assert timed.words, "words carry timings and confidences"
    assert _words_of(" ".join(word.text for word in timed.words)) == _words_of(transcript.text)
    assert all(0.0 <= word.confidence <= 1.0 for word in timed.words)
    starts = [word.start for word in timed.words]
    assert starts == sorted(starts)
    assert timed.words[-1].end <= transcript.audio_seconds + 0.1
    assert transcript.audio_seconds == pytest.approx(sum(c.seconds for c in chunks), abs=0.01)


@pytest.mark.parametrize("seconds", [0.5, 31.0])
def test_silence_gives_an_empty_transcript(whisper: WhisperRecognizer, seconds: float) -> None:
    # 31 s of it (longer than whisper's window, heard segment by segment) was heard "you"
    silence = np.zeros(round(16000 * seconds), dtype=np.float32)
    transcript = whisper.transcribe(chunks_from_array(silence, 16000))
    assert transcript.text == ""
    assert transcript.alternatives == ()


@pytest.mark.parametrize("seconds", [0.1, 1.0, 2.0])
def test_the_faint_hiss_of_a_quiet_recording_is_nothing_heard(
    whisper_model: WhisperModel, seconds: float
) -> None:
    # A recording of a silent room (a sample's least step up and down, as sox writes one) was
    # heard as ". . ." by whisper unprompted (an FAQ that gives it no words to expect): a
    # question of no words, answered with a turn-away and learnt from by calibrate --clips.
    whisper = WhisperRecognizer(whisper_model, prompt="", window_seconds=Settings().whisper_window)
    hiss = np.random.default_rng(7).integers(-1, 2, round(16000 * seconds)) / 32768.0
    transcript = whisper.transcribe(chunks_from_array(hiss.astype(np.float32), 16000))
    assert transcript.text == ""


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("MUSIC PLAYING.", False),
        ("[Music]", False),
        ("(upbeat music)", False),
        ("*sigh*", False),
        ("[BLANK_AUDIO]", False),
        (". . .", False),
        ("NHS?", True),
        ("101.", True),
        ("2026.", True),
        ("MUSIC LESSONS?", True),
        ("Is there music?", True),
    ],
)
def test_a_sound_whisper_describes_is_no_words_heard(text: str, words: bool) -> None:
    # A loud hiss (a voice device's noisy room) was heard as "MUSIC PLAYING": Home Assistant
    # was told that, and the agent turned it away aloud.
    assert _has_words(text) is words


def _words_of(text: str) -> str:
    return " ".join("".join(c for c in text.lower() if c.isalnum() or c == " ").split())


def test_a_misheard_question_comes_with_other_hearings(whisper: WhisperRecognizer) -> None:
    # Whisper's best guess for this voice is "arcs in my upper back"; the question is about
    # knots, and one of the other hearings of the beam says so.
    clip = FIXTURES / "tuning" / "causes__01__espeak-en-us__pink15db.wav"
    transcript = whisper.transcribe(read_audio(clip))
    hearings = [transcript.text, *transcript.alternatives]
    assert transcript.alternatives
    assert len({_words_of(text) for text in hearings}) == len(hearings), hearings
    assert any("knots" in _words_of(text).split() for text in hearings), hearings
    words = transcript.timed().words
    assert words and words[0].start < words[-1].end


def from_the_first_sound(samples: np.ndarray) -> np.ndarray:
    """``samples`` from 10 ms before the first 20 ms as loud as a tenth of the loudest: a
    question streamed from the moment the voice starts, as a Home Assistant device may."""
    frames = samples[: len(samples) // 320 * 320].reshape(-1, 320)
    loudness = np.sqrt((frames**2).mean(axis=1))
    first = int(np.argmax(loudness > loudness.max() * 0.1))
    return samples[max(first * 320 - 160, 0) :]


@pytest.mark.parametrize(
    ("clip", "heard"),
    [
        ("knot-pain__02__espeak-en-us-m7__slow.wav", "is my back pain coming from muscle knots"),
        (
            "upper-back-pain-common__04__espeak-en-gb__fast.wav",
            "is it normal to have pain in my upper back",
        ),
    ],
)
def test_a_question_whose_voice_starts_at_once_is_heard_from_its_first_word(
    whisper_model: WhisperModel, knowledge: Knowledge, clip: str, heard: str
) -> None:
    # In the kiosk's window of 20 s, heard as "It is my back pain coming from muscle dots."
    # and "It's normal to have pain in my upper back." with no silence before the voice.
    whisper = WhisperRecognizer(
        whisper_model,
        prompt=recognition_bias(knowledge)[1],
        window_seconds=Settings().whisper_window,
    )
    samples = from_the_first_sound(
        np.concatenate([c.to_float() for c in read_audio(FIXTURES / "tuning" / clip)])
    )
    transcript = whisper.recognize(samples)
    assert _words_of(transcript.text) == heard
    words = transcript.timed().words
    assert words[0].start < 0.25, "timed in the audio given, not after the silence put before it"
    assert words[-1].end <= len(samples) / 16000 + 0.1


def test_a_directory_that_is_not_a_whisper_model_says_so(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a CTranslate2 whisper model") as error:
        WhisperModel.load(tmp_path)
    assert str(tmp_path) in str(error.value)


def test_a_whisper_model_directory_that_does_not_exist_says_so(tmp_path: Path) -> None:
    """A mistyped --model was told "not a CTranslate2 whisper model directory", as if the
    directory were there and of the wrong kind."""
    with pytest.raises(ModelError, match="no such whisper model directory") as error:
        WhisperModel.load(tmp_path / "no-such-dir")
    assert str(tmp_path / "no-such-dir") in str(error.value)
    assert "leave --model out" in str(error.value)


@pytest.mark.model
def test_auto_engine_falls_back_to_bundled_whisper_and_says_why(
    tmp_path: Path,
    knowledge: Knowledge,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A mistyped models folder (``KNOTVOICE_MODELS=/opt/knotvoice/modles``) had whisper
    hear instead of the vosk model in the right one, and nothing said so; the folder was then
    made for the matcher's cache, so from the next start on it looked right."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.delenv("CACHE_DIRECTORY", raising=False)
    monkeypatch.setattr(app, "load_embedder", lambda settings: None)
    mistyped = tmp_path / "modles"
    empty = tmp_path / "models"
    empty.mkdir()
    for folder, said in (
        (mistyped, f"the models folder {mistyped} does not exist, so whisper hears;"),
        (empty, f"no English vosk model in the models folder {empty}, so whisper hears;"),
    ):
        with caplog.at_level(logging.WARNING, logger="knotvoice"):
            recognizer = load_recognizer(Settings(models_dir=folder), knowledge)
            app.load_matcher(Settings(models_dir=folder), knowledge)
        assert recognizer.name == "whisper"
        (warning,) = caplog.records
        assert warning.getMessage().startswith(said)
        assert f"--models-dir {folder}`" in warning.getMessage()
        assert warning.getMessage().endswith(
            "--engine whisper (KNOTVOICE_ENGINE) to hear with it without this warning"
        )
        caplog.clear()
    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        load_recognizer(Settings(models_dir=empty, engine="whisper"), knowledge)
    assert not caplog.records, "whisper chosen: nothing to warn of"
    assert not mistyped.exists(), "a folder that is not there is not made"
    assert list((tmp_path / "user-cache" / "knotvoice").glob("calibration-*.json"))
    assert list((empty / "cache").glob("calibration-*.json"))
    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        load_recognizer(Settings(), knowledge)
    assert not caplog.records, "the default folder, without a vosk model, is no mistake"


def test_vosk_engine_without_a_model_says_how_to_get_one(
    tmp_path: Path, knowledge: Knowledge
) -> None:
    with pytest.raises(ModelError, match="knotvoice models download vosk-small-en-us"):
        load_recognizer(Settings(engine="vosk", models_dir=tmp_path), knowledge)


def test_trailing_silence_does_not_make_whisper_repeat_itself(whisper: WhisperRecognizer) -> None:
    # Beam search once filled the quiet after this slow question with "see you next time" over
    # and over; the kiosk would then match and show that loop.
    clip = FIXTURES / "tuning" / "treat-knot__04__flite-awb__slow.wav"
    text = whisper.transcribe(read_audio(clip)).text.lower()
    words = text.replace(",", " ").replace(".", " ").split()
    trigrams = [tuple(words[i : i + 3]) for i in range(len(words) - 2)]
    assert "knot" in words
    assert len(trigrams) == len(set(trigrams)), text
    assert len(words) <= 12, text


def test_an_unsure_segment_after_the_question_is_dropped(whisper: WhisperRecognizer) -> None:
    # In the noise after this question whisper adds "Thank you for watching!"; the screen and
    # the matcher should get the question only.
    clip = FIXTURES / "tuning" / "dangerous__03__espeak-en-gb__pink15db.wav"
    transcript = whisper.transcribe(read_audio(clip))
    assert "harmful" in transcript.text.lower()
    assert "watching" not in transcript.text.lower()
    assert all("watching" not in word.text.lower() for word in transcript.words)


def test_audio_longer_than_one_window_is_heard_to_the_end(whisper: WhisperRecognizer) -> None:
    first = read_audio(FIXTURES / "tuning" / "causes__01__espeak-en-us__pink15db.wav")
    last = read_audio(FIXTURES / "tuning" / "dangerous__03__espeak-en-gb__pink15db.wav")
    pause = chunks_from_array(np.zeros(16000 * 30, dtype=np.float32), 16000)
    transcript = whisper.transcribe([*first, *pause, *last])
    assert transcript.audio_seconds > 30.0
    assert "upper back" in transcript.text.lower()
    assert "harmful" in transcript.text.lower()


def test_a_short_window_widens_to_hear_a_long_utterance_to_its_end(
    whisper: WhisperRecognizer,
) -> None:
    """With ``whisper_window`` set, a visitor who talks on longer than the window widens it
    (the utterance and ``WINDOW_MARGIN`` more): nothing said is cut off."""
    short = WhisperRecognizer(whisper.model, prompt=whisper.prompt, window_seconds=15.0)
    clips = {
        "causes__01__espeak-en-us__pink15db.wav": "upper back",
        "dangerous__03__espeak-en-gb__pink15db.wav": "harmful",
        "numbness__02__flite-awb__slow.wav": "numbness",
        "find-knots__01__flite-kal16__clean.wav": "found",
        "inflammation-signs__01__espeak-en-us__clean.wav": "inflamed",
    }
    pause = chunks_from_array(np.zeros(16000 * 3 // 10, dtype=np.float32), 16000)
    talk: list[AudioChunk] = []
    for name in clips:
        talk += [*read_audio(FIXTURES / "tuning" / name), *pause]
    transcript = short.transcribe(talk)
    assert 15.0 < transcript.audio_seconds < WINDOW_SECONDS
    heard = transcript.text.lower()
    assert [word for word in clips.values() if word not in heard] == []


@pytest.mark.model
def test_a_reloaded_knowledge_biases_whisper_toward_its_own_topics(
    whisper_model: WhisperModel, knowledge: Knowledge
) -> None:
    recognizer = WhisperRecognizer(whisper_model, prompt=recognition_bias(knowledge)[1])
    clip = FIXTURES / "railway" / "tuning"
    question = next(iter(sorted(clip.glob("*clean.flac"))))
    recognizer.transcribe(read_audio(question))  # the decoder's prompt is built by now

    rebias(recognizer, load(ROOT / "knowledge" / "railway.yaml"))

    tokenizer, prompt, _ = recognizer._tokens()
    heard_with = tokenizer.decode([token for token in prompt if token < tokenizer.eot])
    assert "station opening hours" in heard_with
    assert "knot" not in heard_with
    assert recognizer.transcribe(read_audio(question)).text


def test_the_stop_spotter_hears_in_whispers_own_window(whisper: WhisperRecognizer) -> None:
    """Questions are heard in a shorter window; "stop" over a reply is heard more often in
    whisper's own 30 s one."""
    questions = WhisperRecognizer(whisper.model, prompt=whisper.prompt, window_seconds=20.0)
    assert questions.spotter(["stop"]).window_seconds is None


def at_16_khz(source: Path, target: Path, *effects: str) -> None:
    """``source`` written to ``target`` as 16 kHz mono, with sox's ``effects``: the same
    samples in every run (sox dithers otherwise)."""
    command = ["sox", "-R", "-D", str(source), "-r", "16000", "-c", "1", "-b", "16", str(target)]
    subprocess.run([*command, *effects], check=True)


def test_a_yes_expected_after_a_did_you_mean_is_heard_as_yes(
    whisper_model: WhisperModel, knowledge: Knowledge, tmp_path: Path
) -> None:
    # flite's Scottish voice saying "yes" was heard "U.S.": no command, and turned away. (On
    # the engines installed since 2026-12-04 it is heard "Yes." unprompted too, so only the
    # expected hearing is asserted.)
    if shutil.which("flite") is None or shutil.which("sox") is None:
        pytest.skip("flite or sox is not installed")
    said, clip = tmp_path / "said.wav", tmp_path / "yes.wav"
    subprocess.run(["flite", "-voice", "awb", "-t", "yes", "-o", str(said)], check=True)
    at_16_khz(said, clip, "pad", "0.3", "0.5")
    recognizer = WhisperRecognizer(
        whisper_model,
        prompt=recognition_bias(knowledge)[1],
        window_seconds=Settings().whisper_window,  # as the kiosk hears
    )

    recognizer.expect(english().answer_prompt)
    assert command_of(recognizer.transcribe(read_audio(clip)).text) == "yes"


@pytest.mark.parametrize("voice", ["slt", "awb"])
def test_the_wake_phrase_is_heard_when_the_kiosk_waits_for_it(
    whisper_model: WhisperModel, knowledge: Knowledge, tmp_path: Path, voice: str
) -> None:
    # flite's voices saying "Hey kiosk, can a knot be dangerous?" were heard "If you ask, ..."
    # and "Take your sk, ...": no wake phrase, and the visitor ignored.
    if shutil.which("flite") is None or shutil.which("sox") is None:
        pytest.skip("flite or sox is not installed")
    said, clip = tmp_path / "said.wav", tmp_path / "wake.wav"
    text = "Hey kiosk, can a knot be dangerous?"
    subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(said)], check=True)
    at_16_khz(said, clip)
    settings = Settings(listen=ListenSettings(mode=TriggerMode.WAKE))
    recognizer = WhisperRecognizer(
        whisper_model,
        prompt=recognition_bias(knowledge, settings)[1],
        window_seconds=settings.whisper_window,
    )
    heard = recognizer.transcribe(read_audio(clip)).text
    assert strip_wake_phrase(heard, settings.listen.wake_phrase) is not None, heard
