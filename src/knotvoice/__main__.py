"""``knotvoice`` and ``python -m knotvoice``: the command line, started."""

import signal
import sys

EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT), as a shell gives."""


def run() -> int:
    """Load the command line and run it.

    Loading takes up to a second (numpy, the speech and audio libraries). Ctrl-C then would
    land inside a library's import and print its traceback, or numpy's page about a broken
    install; it is held until loading is done, and then ends the command quietly.
    """
    interrupted: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, _frame: interrupted.append(number))
    try:
        from knotvoice.cli import main
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted:
        print("knotvoice: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return main()


if __name__ == "__main__":
    sys.exit(run())
