"""``knotvoice serve`` asked one question over 127.0.0.1, run by ``test_offline.py`` inside a
network namespace that has nothing but loopback. Prints one JSON line with what it saw."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from wyoming.asr import Transcript
from wyoming.client import AsyncTcpClient
from wyoming.event import Event

ROOT = Path(__file__).resolve().parents[1]


async def ask(port: int, text: str) -> Event | None:
    async with asyncio.timeout(60.0):
        async with AsyncTcpClient("127.0.0.1", port, connect_timeout=5.0) as client:
            await client.write_event(Transcript(text=text).event())
            reply: Event | None = await client.read_event()
            return reply


def main() -> int:
    command = ["serve", "--uri", "tcp://127.0.0.1:0", "--json", "--log-dir", sys.argv[1]]
    server = subprocess.Popen(
        [sys.executable, "-m", "knotvoice", *command],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        cwd=ROOT,
    )
    assert server.stdout is not None
    stdout = server.stdout
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout=180.0)
    seen: dict[str, object] = {}
    try:
        if lines and lines[0]:
            uri = str(json.loads(lines[0])["uri"])
            seen["uri"] = uri
            reply = asyncio.run(
                ask(int(uri.rsplit(":", 1)[1]), "how often should I massage a knot")
            )
            seen["type"] = reply.type if reply is not None else None
            seen["text"] = reply.data.get("text") if reply is not None else None
        server.send_signal(signal.SIGTERM)
        seen["exit"] = server.wait(timeout=30.0)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10.0)
    print(json.dumps(seen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
