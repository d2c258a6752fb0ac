"""The command line: ``knotvoice ask|listen|eval|devices|knowledge|models``.

User errors print one line to stderr and exit 1; no traceback is shown for them.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from knotvoice.errors import KnotvoiceError
from knotvoice.settings import Settings, build_settings

_log = logging.getLogger(__name__)

EXIT_ERROR = 1


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--knowledge", type=Path, help="knowledge file (YAML)")
    parser.add_argument("--config", type=Path, help="TOML config file")


def _engine_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=("auto", "vosk", "whisper"), help="recognizer")
    parser.add_argument("--model", type=Path, help="model directory for the engine")
    parser.add_argument("--models-dir", type=Path, help="where downloaded models live")


def _listen_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input-device", help="microphone (index or a part of its name)")
    parser.add_argument("--output-device", help="speaker (index or a part of its name)")
    parser.add_argument("--input-rate", type=int, metavar="HZ", help="capture rate")
    parser.add_argument("--input-channels", type=int, default=1, help="capture channels")
    parser.add_argument("--output-rate", type=int, metavar="HZ", help="playback rate")
    parser.add_argument("--save-replies", type=Path, metavar="DIR", help="write replies here")
    parser.add_argument("--voice", help="text-to-speech voice")
    parser.add_argument(
        "--trigger", choices=("vad", "wake", "push"), default="vad", help="what starts a question"
    )
    parser.add_argument("--wake-phrase", default="hey kiosk", help="words that wake the kiosk")
    parser.add_argument(
        "--follow-up", type=float, default=8.0, metavar="S", help="follow-up window"
    )
    parser.add_argument("--no-speech-timeout", type=float, default=8.0, metavar="S")
    parser.add_argument("--end-silence", type=float, default=0.5, metavar="S", help="end of speech")
    parser.add_argument("--max-utterance", type=float, default=15.0, metavar="S")
    parser.add_argument("--vad-aggressiveness", type=int, choices=(0, 1, 2, 3), default=2)
    parser.add_argument("--slow-rate", type=int, default=120, metavar="WPM")
    parser.add_argument("--no-barge-in", action="store_true", help="do not stop on a spoken 'stop'")
    parser.add_argument("--idle-exit", type=float, metavar="S", help="stop after S s of silence")
    parser.add_argument("--json", action="store_true", help="one JSON line per event")
    parser.add_argument("--max-turns", type=int, metavar="N", help="stop after N questions")


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
    ask.add_argument("--no-speak", action="store_true", help="do not play replies")
    ask.add_argument("--voice", help="text-to-speech voice")
    _common(ask)
    _engine_flags(ask)

    listen = commands.add_parser("listen", help="the hands-free kiosk loop")
    _common(listen)
    _engine_flags(listen)
    _listen_flags(listen)

    evaluate = commands.add_parser("eval", help="measure accuracy on a manifest of clips")
    evaluate.add_argument("manifest", type=Path, help="manifest.tsv (file, expected, text, ...)")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    evaluate.add_argument(
        "--min-top1", type=float, metavar="PCT", help="exit 1 when top-1 accuracy is below PCT"
    )
    _common(evaluate)
    _engine_flags(evaluate)

    commands.add_parser("devices", help="list audio input and output devices")

    knowledge = commands.add_parser("knowledge", help="check or import a knowledge file")
    knowledge_commands = knowledge.add_subparsers(dest="knowledge_command", required=True)
    lint = knowledge_commands.add_parser("lint", help="check a knowledge file")
    lint.add_argument("file", type=Path, nargs="?", help="knowledge file (default: the configured)")
    lint.add_argument("--vosk-model", type=Path, help="also report words this vosk model lacks")
    lint.add_argument("--config", type=Path, help="TOML config file")
    importer = knowledge_commands.add_parser("import", help="turn a plain-text FAQ into YAML")
    importer.add_argument("faq", type=Path, help="plain-text FAQ (questions end in '?')")
    importer.add_argument("-o", "--output", type=Path, help="write here instead of stdout")

    models = commands.add_parser("models", help="download or list speech models")
    model_commands = models.add_subparsers(dest="models_command", required=True)
    download = model_commands.add_parser("download", help="download and install a model")
    download.add_argument("name", help="model name, e.g. vosk-small-en-us")
    download.add_argument(
        "--url", dest="model_url", help="download from this URL instead (env KNOTVOICE_MODEL_URL)"
    )
    download.add_argument("--models-dir", type=Path, help="install under this directory")
    download.add_argument("--force", action="store_true", help="download again if installed")
    listing = model_commands.add_parser("list", help="list known and installed models")
    listing.add_argument("--models-dir", type=Path, help="where downloaded models live")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    flags = {name: getattr(args, name, None) for name in vars(args)}
    return build_settings(flags, config=getattr(args, "config", None))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(_COMMANDS[args.command](args))
    except KnotvoiceError as error:
        print(f"knotvoice: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("knotvoice: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _ask(args: argparse.Namespace) -> int:
    from knotvoice import commands

    return commands.ask(args, _settings(args))


def _listen(args: argparse.Namespace) -> int:
    from knotvoice import commands

    return commands.listen(args, _settings(args))


def _eval(args: argparse.Namespace) -> int:
    from knotvoice import commands

    return commands.evaluate(args, _settings(args))


def _devices(args: argparse.Namespace) -> int:
    from knotvoice import commands

    return commands.devices()


def _knowledge(args: argparse.Namespace) -> int:
    from knotvoice import commands

    if args.knowledge_command == "lint":
        return commands.knowledge_lint(args.file or _settings(args).knowledge, args.vosk_model)
    return commands.knowledge_import(args.faq, args.output)


def _models(args: argparse.Namespace) -> int:
    from knotvoice import commands

    if args.models_command == "download":
        return commands.models_download(args, _settings(args))
    return commands.models_list(_settings(args))


_COMMANDS: dict[str, Any] = {
    "ask": _ask,
    "listen": _listen,
    "eval": _eval,
    "devices": _devices,
    "knowledge": _knowledge,
    "models": _models,
}


def print_json(record: dict[str, Any]) -> None:
    print(json.dumps(record, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    sys.exit(main())
