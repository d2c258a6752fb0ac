"""The composition root: every stage of the pipeline, built from the settings.

Commands (``knotvoice.cli``) ask here for what they need and receive it fully built; no
other module decides which engine, model or device to use.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from knotvoice.asr import Recognizer
from knotvoice.asr import download as model_store
from knotvoice.errors import KnotvoiceError, ModelError
from knotvoice.knowledge import Knowledge, load, vocabulary
from knotvoice.match import MatchStage
from knotvoice.match.matcher import Matcher
from knotvoice.match.semantic import SemanticModel, default_model_dir
from knotvoice.settings import Settings
from knotvoice.speech.tts import Synthesizer

__all__ = [
    "ENGINES",
    "load_embedder",
    "load_knowledge",
    "load_matcher",
    "load_recognizer",
    "load_synthesizer",
    "matcher_builder",
    "recognition_bias",
]

_log = logging.getLogger(__name__)

ENGINES = ("auto", "vosk", "whisper")


def load_knowledge(settings: Settings) -> Knowledge:
    """The knowledge file the settings name, checked."""
    return load(settings.knowledge)


def load_embedder(settings: Settings) -> SemanticModel | None:
    """The sentence-embedding model when it is installed, else None (words alone decide)."""
    if default_model_dir() is None:
        _log.info("no sentence-embedding model installed; matching by words alone")
        return None
    try:
        return SemanticModel.load(cache_dir=settings.models_dir / "cache")
    except KnotvoiceError as error:
        _log.warning("%s; matching by words alone", error)
        return None


def load_matcher(settings: Settings, knowledge: Knowledge | None = None) -> Matcher:
    """A matcher over ``knowledge`` (default: the settings' knowledge file)."""
    knowledge = knowledge if knowledge is not None else load_knowledge(settings)
    return Matcher(knowledge, semantic=load_embedder(settings))


def matcher_builder(settings: Settings) -> Callable[[Knowledge], MatchStage]:
    """Builds a matcher over any knowledge, sharing one sentence-embedding model loaded now
    (for a matcher that follows its knowledge file: ``knotvoice.reload``)."""
    embedder = load_embedder(settings)

    def build(knowledge: Knowledge) -> MatchStage:
        return Matcher(knowledge, semantic=embedder)

    return build


def recognition_bias(knowledge: Knowledge) -> tuple[list[str], str]:
    """The knowledge's vocabulary (vosk phrase list) and a whisper prompt naming its topics.

    A short sentence of topics lowers whisper's word error rate on the fixtures (23% to 15%)
    where a bare list of key terms raised it (to 41%).
    """
    topics = [entry.topic for entry in knowledge.entries if entry.topic]
    prompt = f"Questions about {', '.join(topics)}." if topics else ""
    return vocabulary(knowledge), prompt


def load_recognizer(settings: Settings, knowledge: Knowledge) -> Recognizer:
    """The recognizer the settings ask for, biased toward ``knowledge``.

    ``auto`` takes vosk when an English vosk model is installed (or ``model`` is a vosk
    model directory), else whisper's bundled model, else says how to get a model.
    """
    engine, model = settings.engine, settings.model
    if engine not in ENGINES:
        raise ModelError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    vocabulary_, prompt = recognition_bias(knowledge)
    if engine == "auto":
        if model is not None:
            engine = "vosk" if (model / "am").is_dir() else "whisper"
        else:
            vosk_dir = model_store.find_english_vosk_model(settings.models_dir)
            if vosk_dir is not None:
                engine, model = "vosk", vosk_dir
            else:
                from knotvoice.asr.whisper import bundled_model_dir

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
                "no English vosk model installed; run "
                "`knotvoice models download vosk-small-en-us` or pass --model DIR"
            )
        return VoskRecognizer(VoskModel.load(model), phrases=list(vocabulary_) or None)
    from knotvoice.asr.whisper import WhisperModel, WhisperRecognizer

    return WhisperRecognizer(WhisperModel.load(model), prompt=prompt)


def load_synthesizer(settings: Settings) -> Synthesizer:
    """The text-to-speech voice the settings name."""
    return Synthesizer.load(settings.speech)
