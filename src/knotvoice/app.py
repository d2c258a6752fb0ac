"""The composition root: every stage of the pipeline, built from the settings.

Commands (``knotvoice.cli``) ask here for what they need and receive it fully built; no
other module decides which engine, model or device to use.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from knotvoice.asr import Recognizer
from knotvoice.asr import download as model_store
from knotvoice.errors import KnotvoiceError, KnowledgeError, ModelError
from knotvoice.knowledge import Knowledge, load, vocabulary
from knotvoice.lang import english, words
from knotvoice.match import Decision, Match, MatchStage
from knotvoice.match.calibration import Example
from knotvoice.match.matcher import Matcher
from knotvoice.match.semantic import SemanticModel, default_model_dir
from knotvoice.reload import KEPT, Reloader, load_kept
from knotvoice.settings import ENVIRONMENT, Settings, TriggerMode
from knotvoice.speech.ready import ReadyReplies
from knotvoice.speech.reply import reply_text, spoken_answer
from knotvoice.speech.tts import Synthesizer, UnknownVoice

__all__ = [
    "ENGINES",
    "SLOW_PREPARING_SECONDS",
    "RecordedClips",
    "kept_voice",
    "knowledge_version",
    "load_embedder",
    "load_following",
    "load_knowledge",
    "load_knowledge_file",
    "load_matcher",
    "load_recognizer",
    "load_recorded",
    "load_synthesizer",
    "load_voice",
    "matcher_builder",
    "rebias",
    "recognition_bias",
    "record_clips",
    "told_if_slow",
]

_log = logging.getLogger(__name__)

ENGINES = ("auto", "vosk", "whisper")
R = TypeVar("R", bound=Recognizer)


def load_knowledge(settings: Settings) -> Knowledge:
    """The knowledge file the settings name, checked."""
    with knowledge_named(settings):
        return load(settings.knowledge)


@contextlib.contextmanager
def knowledge_named(settings: Settings) -> Iterator[None]:
    """A knowledge file the settings name that is not there is said to be named where it
    was: a path in a config file was told to be checked as --knowledge."""
    try:
        yield
    except KnowledgeError as error:
        if settings.knowledge.exists():
            raise
        origin = settings.origins.get("knowledge")
        if origin is None and settings.knowledge == Settings().knowledge:
            named = "the default knowledge file; give --knowledge FILE"
        elif origin is None:
            named = "given as --knowledge"
        else:
            named = _named_in(origin, "knowledge")
        raise KnowledgeError(f"{error} ({named})") from None


def _named_in(origin: str, key: str) -> str:
    """Where a setting ``key`` was named, for its error: a variable, or a config file."""
    return f"set by {origin}" if origin in ENVIRONMENT.values() else f"given as `{key}` in {origin}"


def load_knowledge_file(path: Path) -> Knowledge:
    """Another knowledge file (one an evaluation manifest names), checked."""
    return load(path)


def load_embedder(settings: Settings) -> SemanticModel | None:
    """The sentence-embedding model when it is installed, else None (words alone decide)."""
    if default_model_dir() is None:
        _log.info("no sentence-embedding model installed; matching by words alone")
        return None
    try:
        return SemanticModel.load(cache_dir=_cache(settings))
    except KnotvoiceError as error:
        _log.warning("%s; matching by words alone", error)
        return None


SLOW_PREPARING_SECONDS = 5.0
"""A knowledge file still being prepared after this long is said to be (``told_if_slow``)."""


def load_matcher(
    settings: Settings,
    knowledge: Knowledge | None = None,
    tell: Callable[[str], None] | None = None,
) -> Matcher:
    """A matcher over ``knowledge`` (default: the settings' knowledge file), calibrated with
    the questions recorded for it (``knotvoice knowledge calibrate --clips``) when there are;
    ``tell`` hears of a slow one (``told_if_slow``)."""
    knowledge = knowledge if knowledge is not None else load_knowledge(settings)
    return matcher_builder(settings, tell)(knowledge)


@contextlib.contextmanager
def told_if_slow(knowledge: Knowledge, tell: Callable[[str], None] | None) -> Iterator[None]:
    """Tell ``tell`` that ``knowledge`` is being prepared once that has taken
    ``SLOW_PREPARING_SECONDS``, and how long it took when done. A new or edited file is
    prepared once (its texts embedded, its decision fitted), then read back from the cache:
    about 50 s for 1,000 entries on a 2-core PC and minutes on a Raspberry Pi, while a kiosk
    that said nothing looked hung."""
    if tell is None:
        yield
        return
    began = time.monotonic()
    told = threading.Event()
    name = knowledge.source or "the knowledge"
    entries = len(knowledge.entries)

    def say() -> None:
        told.set()
        tell(
            f"preparing {name} ({entries:,} {'entry' if entries == 1 else 'entries'}): a "
            "knowledge file new, edited or not used lately (another file's, kept since, took "
            "its place) is prepared once, then kept; a large one takes minutes on a Raspberry "
            "Pi"
        )

    timer = threading.Timer(SLOW_PREPARING_SECONDS, say)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        if told.is_set():
            tell(f"{name}: prepared in {time.monotonic() - began:.0f} s")


def fit_file(settings: Settings, matcher: Matcher) -> Path:
    """The file ``matcher``'s fit is kept in for the next start (not there when its folder
    could not be written to)."""
    from knotvoice.match.calibration import kept_file

    return kept_file(_cache(settings), matcher.fit.knowledge)


def _cache(settings: Settings) -> Path:
    """Where the matcher and the voice keep what they worked out: ``cache`` in the models
    folder, or, when that folder does not exist, the user's cache folder. A mistyped models
    folder was made for the cache, so it existed from the second start on and looked right."""
    if settings.models_dir.is_dir():
        return settings.models_dir / "cache"
    return user_cache_dir()


def user_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """systemd's ``$CACHE_DIRECTORY`` when it sets one, else ``$XDG_CACHE_HOME/knotvoice`` or
    ``~/.cache/knotvoice``."""
    environ = os.environ if environ is None else environ
    if environ.get("CACHE_DIRECTORY"):
        return Path(environ["CACHE_DIRECTORY"].split(":")[0])
    return Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "knotvoice"


def _recorded_file(settings: Settings, knowledge: Knowledge) -> Path:
    name = hashlib.sha256(str(Path(knowledge.source).resolve()).encode()).hexdigest()[:16]
    return _cache(settings) / f"recorded-{name}.json"


@dataclass(frozen=True)
class Learnt:
    """The recorded questions a knowledge file's calibration learns from
    (``knotvoice knowledge calibrate --clips``)."""

    questions: tuple[tuple[str, str], ...] = ()
    """Each question as heard, and the entry it should get ("-": none)."""
    clips: frozenset[Path] = frozenset()
    """The clips they were heard in (none known for those kept before clips were named)."""
    manifests: tuple[Path, ...] = ()
    """The manifests that listed them."""


def learnt_clips(settings: Settings, knowledge: Knowledge) -> Learnt:
    """What ``knowledge``'s calibration learns from recorded questions (nothing when none)."""
    try:
        data = json.loads(_recorded_file(settings, knowledge).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Learnt()
    if isinstance(data, list):  # as kept before the clips were named: the questions alone
        data = {"questions": data}
    if not isinstance(data, dict):
        return Learnt()
    try:
        return Learnt(
            tuple((str(text), str(expected)) for text, expected in data.get("questions", ())),
            frozenset(Path(str(clip)) for clip in data.get("clips", ())),
            tuple(Path(str(manifest)) for manifest in data.get("manifests", ())),
        )
    except (TypeError, ValueError):
        return Learnt()


def load_recorded(settings: Settings, knowledge: Knowledge) -> tuple[Example, ...]:
    """The questions recorded at the kiosk for this knowledge file, as heard, with the entry
    each should get (-1: none); those for entries no longer in the file are dropped."""
    number = {entry.id: n for n, entry in enumerate(knowledge.entries)}
    return tuple(
        Example(text, number[expected] if expected != "-" else -1, source="recorded")
        for text, expected in learnt_clips(settings, knowledge).questions
        if expected == "-" or expected in number
    )


def forget_clips(settings: Settings, knowledge: Knowledge) -> Learnt:
    """Forget the recorded questions ``knowledge``'s calibration learns from; what they were."""
    learnt = learnt_clips(settings, knowledge)
    _recorded_file(settings, knowledge).unlink(missing_ok=True)
    return learnt


@dataclass(frozen=True)
class RecordedClips:
    """What hearing manifests' clips for calibration kept."""

    kept: int
    """Clips whose question was heard and kept."""
    unheard: tuple[tuple[Path, int], ...]
    """The manifest and line of each clip in which nothing was heard (left out)."""
    replaced: Learnt
    """What was learnt before, now replaced."""


def record_clips(
    settings: Settings, knowledge: Knowledge, manifests: Sequence[Path]
) -> RecordedClips:
    """Hear every clip of evaluation manifests and keep what was heard, with the entry each
    clip should get, for this knowledge's calibration, in place of what was kept before."""
    from knotvoice.audio import read_audio
    from knotvoice.evaluate import read_manifest

    recognizer = load_recognizer(settings, knowledge)
    questions = []
    clips = []
    unheard = []
    for manifest in manifests:
        for row in read_manifest(manifest):
            clip = (manifest.parent / row.file).resolve()
            heard = recognizer.transcribe(read_audio(clip))
            if heard.text.strip():
                questions.append((heard.text, row.expected))
                clips.append(str(clip))  # learnt from (eval says which it scores again)
            else:
                unheard.append((manifest, row.line))
    replaced = learnt_clips(settings, knowledge)
    if not questions:
        # Nothing to learn from: what was learnt before is kept, not wiped.
        kept = (
            f"; the {len(replaced.questions)} learnt before are kept" if replaced.questions else ""
        )
        raise KnotvoiceError(
            f"nothing was heard in any clip of {', '.join(map(str, manifests))}{kept}; check "
            "that the clips say their questions loud enough"
        )
    data = {
        "questions": questions,
        "clips": clips,
        "manifests": [str(manifest.resolve()) for manifest in manifests],
    }
    path = _recorded_file(settings, knowledge)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return RecordedClips(len(questions), tuple(unheard), replaced)


def knowledge_version(knowledge: Knowledge) -> str:
    """Names one version of a knowledge file: its name and a digest of what it holds."""
    digest = hashlib.sha256(repr((knowledge.entries, knowledge.matching)).encode()).hexdigest()
    return f"{Path(knowledge.source).name}@{digest[:10]}"


def matcher_builder(
    settings: Settings, tell: Callable[[str], None] | None = None
) -> Callable[[Knowledge], Matcher]:
    """Builds a matcher over any knowledge, sharing one sentence-embedding model loaded now
    (for a matcher that follows its knowledge file: ``knotvoice.reload``); ``tell`` hears of
    one slow to prepare (``told_if_slow``)."""
    embedder = load_embedder(settings)

    def build(knowledge: Knowledge) -> Matcher:
        with told_if_slow(knowledge, tell):
            return Matcher(
                knowledge,
                embedder,
                cache_dir=_cache(settings),
                recorded=load_recorded(settings, knowledge),
            )

    return build


def recognition_bias(
    knowledge: Knowledge, settings: Settings | None = None
) -> tuple[list[str], str]:
    """The words a recognizer limited to a list (vosk) may hear, and a whisper prompt naming
    the knowledge's topics.

    The words are the knowledge's, the follow-up commands' ("yes", "pardon", "slower") and,
    in ``wake`` mode, the wake phrase's: limited to the FAQ's words alone, vosk could hear
    neither a visitor's "yes" to a did-you-mean nor the wake phrase. A short sentence of
    topics lowers whisper's word error rate on the fixtures (23% to 15%) where a bare list of
    key terms raised it (to 41%). In ``wake`` mode the prompt starts with the wake phrase.
    """
    # each topic once: a section's name over several entries ("Parking") is one subject
    topics = list(dict.fromkeys(entry.topic for entry in knowledge.entries if entry.topic))
    prompt = f"Questions about {', '.join(topics)}." if topics else ""
    heard = set(vocabulary(knowledge)) | english().follow_up_words()
    if settings is not None and settings.listen.mode is TriggerMode.WAKE:
        wake = " ".join(settings.listen.wake_phrase.split())
        heard.update(words(wake))
        if wake:
            # whisper heard "Hey kiosk, ..." as "Thank you, ask" or "Hickey Oscar" in 19 of
            # 34 spoken wakes, prompted with the topics alone; in 2 with the phrase first (and
            # woke to none of 50 questions said without it)
            prompt = f"{wake[0].upper()}{wake[1:]}. {prompt}".strip()
    return sorted(heard), prompt


def load_recognizer(settings: Settings, knowledge: Knowledge) -> Recognizer:
    """The recognizer the settings ask for, biased toward ``knowledge``.

    ``auto`` takes vosk when an English vosk model is installed (or ``model`` is a vosk
    model directory), else whisper's bundled model, else says how to get a model.
    """
    engine, model = settings.engine, settings.model
    if engine not in ENGINES:
        raise ModelError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    origin = settings.origins.get("model")
    if model is not None and origin is not None and not model.exists():
        # told where it was named, as a missing knowledge file is, not as a --model to pass
        raise ModelError(
            f"{model}: no such model folder; check the path ({_named_in(origin, 'model')}), or "
            "leave it out for the model installed"
        )
    vocabulary_, prompt = recognition_bias(knowledge, settings)
    if engine == "auto":
        if model is not None:
            engine = "vosk" if (model / "am").is_dir() else "whisper"
        else:
            vosk_dir = model_store.find_english_vosk_model(settings.models_dir)
            if vosk_dir is not None:
                engine, model = "vosk", vosk_dir
            else:
                from knotvoice.asr.whisper import bundled_model_dir

                if settings.models_dir != Settings.models_dir:
                    _say_no_vosk_model(settings.models_dir)
                if bundled_model_dir() is None:
                    raise ModelError(
                        "no speech model installed; run "
                        "`knotvoice models download vosk-small-en-us`"
                    )
                engine = "whisper"
    if engine == "vosk":
        from knotvoice.asr.vosk import VoskModel, VoskRecognizer

        if model is None:
            model = model_store.find_english_vosk_model(settings.models_dir)
        if model is None:
            raise ModelError(
                f"no English vosk model installed in {settings.models_dir}; run "
                f"`{download_command('vosk-small-en-us', settings)}` or pass --model DIR"
            )
        return VoskRecognizer(VoskModel.load(model), phrases=list(vocabulary_) or None)
    from knotvoice.asr.whisper import WhisperModel, WhisperRecognizer

    return WhisperRecognizer(
        WhisperModel.load(model, threads=settings.whisper_threads),
        prompt=prompt,
        window_seconds=settings.whisper_window,
    )


def download_command(name: str, settings: Settings) -> str:
    """The command that installs model ``name`` where ``settings`` look for models (the
    folder named when it is not the default one)."""
    folder = settings.models_dir
    return f"knotvoice models download {name}" + (
        f" --models-dir {folder}" if folder != Settings.models_dir else ""
    )


def _say_no_vosk_model(folder: Path) -> None:
    """A models folder set (a flag, ``KNOTVOICE_MODELS``, the config) that holds no English
    vosk model is told at the start: whisper hearing instead, silently, hid a mistyped name."""
    _log.warning(
        "%s, so whisper hears; check the folder's name, put a model there with "
        "`knotvoice models download vosk-small-en-us --models-dir %s`, or choose whisper "
        "with --engine whisper (KNOTVOICE_ENGINE) to hear with it without this warning",
        f"no English vosk model in the models folder {folder}"
        if folder.is_dir()
        else f"the models folder {folder} does not exist",
        folder,
    )


def load_following(
    settings: Settings,
    recognizer_for: Callable[[Knowledge], R],
    on_reload: Callable[[MatchStage], None] | None = None,
    on_failure: Callable[[str], None] | None = None,
    tell: Callable[[str], None] | None = None,
) -> tuple[R, Reloader[MatchStage]]:
    """The recognizer, and a matcher that follows the knowledge file (``knotvoice.reload``);
    ``tell`` hears of a knowledge file slow to prepare, at start or at a reload, and of one
    found unchanged by a reload asked for (SIGHUP).

    The recognizer comes first: whisper's model takes about twice its size while it loads,
    and loaded after the matcher that moment was the kiosk's peak memory (328 MB, where it
    listens at 225 MB)."""
    kept = settings.log_dir / KEPT / settings.knowledge.name
    with knowledge_named(settings):
        # said by the matcher's load below ("loaded 16 entries" was logged twice)
        first, _ = load_kept(settings.knowledge, kept, said=False)
    recognizer = recognizer_for(first)
    build: Callable[[Knowledge], MatchStage] = matcher_builder(settings, tell)
    reloader = Reloader.load(
        settings.knowledge, build, on_reload=on_reload, on_failure=on_failure, kept=kept, tell=tell
    )
    current = reloader.current.knowledge
    if knowledge_version(current) != knowledge_version(first):  # the file changed meanwhile
        rebias(recognizer, current, settings)
    return recognizer, reloader


def rebias(recognizer: Recognizer, knowledge: Knowledge, settings: Settings | None = None) -> None:
    """Bias ``recognizer`` toward a knowledge loaded again (a reload) as at start."""
    vocabulary_, prompt = recognition_bias(knowledge, settings)
    recognizer.bias(vocabulary_, prompt)


def load_synthesizer(settings: Settings) -> Synthesizer:
    """The text-to-speech voice the settings name; a voice unknown names the config file or
    variable it came from, as a device's does (it was told to leave out a --voice not given)."""
    try:
        return Synthesizer.load(settings.speech)
    except UnknownVoice as error:
        origin = settings.origins.get("voice")
        if origin is None:
            raise
        raise error.named_in(origin) from None


def kept_voice(settings: Settings, synthesizer: Synthesizer) -> ReadyReplies:
    """``synthesizer``, keeping what it renders as files (the kiosk's and the server's)."""
    return ReadyReplies(
        synthesizer, folder=_cache(settings) / "replies", voice=synthesizer.identity
    )


def load_voice(settings: Settings, knowledge: Knowledge) -> ReadyReplies:
    """The voice for the kiosk: the knowledge's answers and the reject rendered ahead, in the
    background, so an answer starts to play as soon as it is decided."""
    voice = kept_voice(settings, load_synthesizer(settings))
    reject = reply_text(Match(Decision.REJECT, None, None, ""), knowledge)
    voice.expect([*(spoken_answer(entry) for entry in knowledge.entries), reject])
    return voice
