"""The far end of the ``testspk`` file device made with ``cuttable=True`` (``alsa_devices``):
appends what the speaker plays to a file, and once asked (a file holding a number of bytes)
takes only that many of the next reply and closes its end, as a speaker pulled out partway
through it. PortAudio's probes open the device and play nothing: they are let go."""

from __future__ import annotations

import os
import sys


def main(out: str, cut: str) -> int:
    data = os.read(0, 65536)
    if not data:
        return 0
    limit: int | None = None
    try:
        with open(cut, encoding="ascii") as told:
            limit = int(told.read().strip() or 0)
        os.unlink(cut)
    except FileNotFoundError:
        pass
    with open(out, "ab") as sink:
        while data:
            if limit is not None:
                data = data[: max(0, limit)]
                limit -= len(data)
            sink.write(data)
            if limit is not None and limit <= 0:
                return 0
            data = os.read(0, 65536)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
