from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, wait
from pathlib import Path

import numpy as np
import pytest
from rapidfuzz import fuzz

from knotvoice.asr.whisper import WhisperModel, WhisperRecognizer
from knotvoice.audio import AudioChunk, chunks_from_array, join, read_audio, write_wav
from knotvoice.settings import VoiceSettings
from knotvoice.speech.tts import SpeechError, Synthesizer
from small_disk import small_folder

REPLY = "Rest, stretch gently, and give the knot a few days to settle down."
"""About four seconds of speech: 180 KB of WAV."""


def within(seconds: float, render: Callable[[], list[AudioChunk]]) -> list[AudioChunk]:
    """What ``render()`` returns or raises, on a thread of its own; the test fails when it
    takes longer than ``seconds`` (the thread is left to hang)."""
    rendered: Future[list[AudioChunk]] = Future()

    def run() -> None:
        try:
            rendered.set_result(render())
        except BaseException as error:
            rendered.set_exception(error)

    threading.Thread(target=run, daemon=True).start()
    if not wait([rendered], timeout=seconds).done:
        pytest.fail(f"the reply took more than {seconds:g} s")
    return rendered.result()


def test_synthesized_reply_is_speech_that_says_the_text(
    synthesizer: Synthesizer, whisper_model: WhisperModel
) -> None:
    # The listener checks a reply, not a question: no question prompt, plain greedy decoding.
    whisper = WhisperRecognizer(whisper_model, beam_size=1)
    text = "Massage each muscle group for up to six minutes a day."
    chunks = synthesizer.synthesize(text)
    samples = join(chunks)
    assert chunks[0].rate == 22050
    assert 1.5 < len(samples) / chunks[0].rate < 8.0
    assert np.abs(samples).max() > 0.1
    heard = whisper.transcribe(chunks_from_array(samples, chunks[0].rate)).text.lower()
    # A listener follows it: most of its longer words come through (a machine's whisper may
    # still mishear one, as "masashi" for "massage").
    longer = [word for word in text.lower().strip(".").split() if len(word) > 3]
    assert sum(word in heard for word in longer) >= 3, heard
    assert fuzz.token_set_ratio(heard, text.lower()) > 70


def test_slower_rate_makes_longer_audio(synthesizer: Synthesizer) -> None:
    text = "Rest, stretch and exercise gently."
    normal = sum(c.seconds for c in synthesizer.synthesize(text))
    slow = sum(c.seconds for c in synthesizer.synthesize(text, rate=100))
    assert slow > normal * 1.3
    # The default rate is back afterwards.
    assert sum(c.seconds for c in synthesizer.synthesize(text)) == pytest.approx(normal, rel=0.05)


def test_empty_text_gives_no_audio(synthesizer: Synthesizer) -> None:
    assert synthesizer.synthesize("  ") == []


def test_unknown_voice_says_what_to_do() -> None:
    with pytest.raises(SpeechError, match="leave --voice out") as unknown:
        Synthesizer.load(VoiceSettings(voice="no-such-voice-anywhere"))
    # The voices to choose from are named (none was, and no command lists them), and a name
    # given is one taken.
    offered = str(unknown.value).split("the English voices here: ")[1].split("; name one")[0]
    names = re.findall(r'"([^"]+)"', offered)
    assert "English (America, New York City)" in names
    assert all(name.startswith("English") for name in names)
    assert Synthesizer.load(VoiceSettings(voice=names[0])).synthesize("Hello.")


def test_reply_wav_can_be_read_back(synthesizer: Synthesizer, tmp_path: Path) -> None:
    path = write_wav(tmp_path / "reply.wav", synthesizer.synthesize("Give it time."))
    assert sum(c.seconds for c in read_audio(path)) > 0.5


def test_each_reply_gets_its_own_audio_when_replies_follow_quickly(
    synthesizer: Synthesizer,
) -> None:
    short, long = "Yes?", "Rest, stretch gently, and give the knot a few days to settle down."
    lengths = [
        sum(c.seconds for c in synthesizer.synthesize(text))
        for text in (short, long, short, long, short, long)
    ]
    assert all(lengths[i] < lengths[i + 1] / 2 for i in range(0, len(lengths), 2)), lengths
    assert max(lengths[0::2]) - min(lengths[0::2]) < 0.1, lengths


def test_a_voice_names_how_it_sounds_so_kept_replies_never_mix(
    synthesizer: Synthesizer,
) -> None:
    # pyttsx3 shares one engine in a process: each name is read as its voice is loaded, and
    # the voice the other tests hear is put back.
    current = synthesizer._engine.getProperty("voice")
    first, second = [voice for voice in synthesizer.voices() if voice != current][:2]
    try:
        one = Synthesizer.load(VoiceSettings(voice=first)).identity
        slower = Synthesizer.load(VoiceSettings(voice=first, rate=120)).identity
        other = Synthesizer.load(VoiceSettings(voice=second)).identity
        again = Synthesizer.load(VoiceSettings(voice=first)).identity
    finally:
        synthesizer._set("voice", current)
        synthesizer._set("rate", synthesizer.settings.rate)
    assert len({one, slower, other}) == 3
    assert again == one
    assert synthesizer.identity.startswith(f"{current}|")


def test_two_threads_speaking_at_once_each_get_their_own_reply(
    synthesizer: Synthesizer,
) -> None:
    # Every synthesizer in a process shares pyttsx3's one engine and espeak-ng, which speak
    # one text at a time: a screen's reply and a kiosk's may be asked for together.
    texts = ["Yes?", "Rest, stretch gently, and give the knot a few days to settle down."]
    alone = [sum(c.seconds for c in synthesizer.synthesize(text)) for text in texts]
    other = Synthesizer.load()
    results: dict[int, list[float]] = {0: [], 1: []}
    errors: list[BaseException] = []

    def speak(number: int, speaker: Synthesizer) -> None:
        try:
            for _ in range(6):
                results[number].append(sum(c.seconds for c in speaker.synthesize(texts[number])))
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=speak, args=(n, s)) for n, s in ((0, synthesizer), (1, other))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    for number, lengths in results.items():
        assert lengths == pytest.approx([alone[number]] * 6, rel=0.05)


def test_a_reply_that_cannot_be_saved_fails_at_once_and_is_spoken_once_there_is_room(
    synthesizer: Synthesizer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # espeak-ng's callback raised and the reply never ended: the first waited out the timeout,
    # the second hung for good, and so did every reply after it.
    with small_folder(tmp_path / "small") as folder:
        monkeypatch.setattr(tempfile, "tempdir", str(folder.path))
        for _ in range(3):
            began = time.monotonic()
            with pytest.raises(SpeechError) as failed:
                within(10.0, lambda: synthesizer.synthesize(REPLY))
            assert time.monotonic() - began < 5.0, "well within the synthesizer's timeout"
            assert "No space left on device" in str(failed.value)
            assert f"in {folder.path}: free space there" in str(failed.value)
        folder.make_room()
        spoken = within(10.0, lambda: synthesizer.synthesize(REPLY))
    assert sum(chunk.seconds for chunk in spoken) > 2.0


def test_a_reply_not_rendered_in_time_fails_then_and_the_next_reply_is_its_own(
    synthesizer: Synthesizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    short = "Give it time."
    alone = sum(chunk.seconds for chunk in synthesizer.synthesize(short))
    with monkeypatch.context() as patched:
        patched.setattr(synthesizer, "timeout", 0.02)
        with pytest.raises(SpeechError, match=r"no audio in 0\.02 s") as failed:
            within(5.0, lambda: synthesizer.synthesize(" ".join([REPLY] * 100)))
    # A reply of thousands of words is told to be shortened, not only espeak-ng to be checked.
    words = len(" ".join([REPLY] * 100).split())
    assert f"for a reply of {words} words" in str(failed.value)
    assert "`knotvoice knowledge lint` names the long answers" in str(failed.value)
    # What espeak-ng had rendered of the long one is not heard in the next reply.
    for _ in range(2):
        again = within(10.0, lambda: synthesizer.synthesize(short))
        assert sum(chunk.seconds for chunk in again) == pytest.approx(alone, rel=0.05)


def test_a_reply_of_tens_of_thousands_of_words_fails_and_the_next_is_spoken_at_once() -> None:
    # espeak-ng was told the text was ten times its length and read on past its end: a reply
    # this long killed the process every time, and a short one now and then. Once it failed,
    # espeak-ng rendered it on to its end while the next reply waited (109 s for 6,000 words).
    script = (
        "from knotvoice.speech.tts import Synthesizer, SpeechError\n"
        "synthesizer = Synthesizer.load()\n"
        "synthesizer.timeout = 0.5\n"
        "try:\n"
        "    synthesizer.synthesize('Rest the knot. ' * 20000)\n"
        "except SpeechError as error:\n"
        "    print(error)\n"
        "synthesizer.timeout = 10.0\n"
        "print(len(synthesizer.synthesize('Give it time.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    failed, spoken = done.stdout.splitlines()[-2:]
    assert "for a reply of 60000 words; shorten it" in failed
    assert int(spoken) > 5, "the next reply is spoken"


def test_a_reply_of_thousands_of_words_is_rendered_in_time_as_its_length(
    synthesizer: Synthesizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its audio was gathered by copying all that came before at every buffer: 3,000 words
    # took 12 s and this one about 50 s, past the timeout; gathered in place, about 4 s.
    reply = "Rest the knot, then stretch it gently. " * 850
    monkeypatch.setattr(synthesizer, "timeout", 20.0)
    spoken = within(60.0, lambda: synthesizer.synthesize(reply))
    assert sum(chunk.seconds for chunk in spoken) > 1000.0, "all of it, some twenty minutes"


def test_a_reply_rendered_again_and_again_is_whole_every_time(synthesizer: Synthesizer) -> None:
    # Its buffer, once swapped for one that grows in place after espeak-ng had begun, lost
    # what was rendered before: 4 renders in 8 of this reply lacked up to 5 s of its start.
    reply = "Rest the knot, then stretch it gently. " * 20
    lengths = [sum(chunk.seconds for chunk in synthesizer.synthesize(reply)) for _ in range(8)]
    assert max(lengths) - min(lengths) < 0.1, lengths


def test_espeak_ng_is_told_the_length_of_the_text_it_is_handed(
    synthesizer: Synthesizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # It copies as many bytes as it is told: ten times the text's length was read past its
    # end, and the text's own length alone leaves the copy without the zero that ends it.
    from pyttsx3.drivers import _espeak

    sizes: list[int] = []

    def handed(text: bytes, size: int, *rest: object) -> int:
        sizes.append(size)
        return 0

    monkeypatch.setattr(_espeak, "cSynth", handed)
    text = "Café, 東京 😀."
    _espeak.Synth(text.encode("utf-8"), flags=_espeak.CHARS_UTF8)
    _espeak.Synth(text)
    assert sizes == [len(text.encode("utf-8")) + 1] * 2
