"""Discovery as Home Assistant does it, run by ``test_zeroconf.py`` inside a private network
namespace (its own veth pair, no way out): serve on every address with ``zeroconf`` on,
browse ``_wyoming._tcp.local.``, resolve the service, and ``describe`` the address found.
Prints one JSON line with what it saw."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from zeroconf import ServiceListener, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from knotvoice.match import MatchStage
from knotvoice.match.matcher import Matcher
from knotvoice.reload import Reloader
from knotvoice.serve.agent import Agent
from knotvoice.serve.server import Listening, check, serve
from knotvoice.serve.zeroconf import SERVICE_TYPE
from knotvoice.settings import ServeSettings

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge" / "knots.yaml"


class Found(ServiceListener):
    def __init__(self) -> None:
        self.names: list[str] = []
        self.seen = asyncio.Event()

    def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self.names.append(name)
        self.seen.set()

    def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        pass

    def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        pass


async def main(name: str) -> dict[str, object]:
    reloader: Reloader[MatchStage] = Reloader.load(KNOWLEDGE, Matcher)
    settings = ServeSettings(uri="tcp://0.0.0.0:0", zeroconf=name, reload_seconds=0)
    stop = asyncio.Event()
    started: asyncio.Future[Listening] = asyncio.get_running_loop().create_future()
    serving = asyncio.create_task(
        serve(Agent(reloader), reloader, settings, ready=started.set_result, stop=stop)
    )
    listening = await started
    browser_zc = AsyncZeroconf()
    found = Found()
    browser = AsyncServiceBrowser(browser_zc.zeroconf, SERVICE_TYPE, listener=found)
    await asyncio.wait_for(found.seen.wait(), 10.0)
    info = AsyncServiceInfo(SERVICE_TYPE, f"{name}.{SERVICE_TYPE}")
    resolved = await info.async_request(browser_zc.zeroconf, 3000)
    addresses = info.parsed_addresses()
    described = await check(f"tcp://{addresses[0]}:{info.port}") if addresses else ""
    await browser.async_cancel()
    await browser_zc.async_close()
    stop.set()
    await asyncio.wait_for(serving, 15.0)
    return {
        "names": found.names,
        "resolved": resolved,
        "addresses": addresses,
        "port": info.port,
        "listening_port": listening.port,
        "described": described,
    }


if __name__ == "__main__":
    result = asyncio.run(asyncio.wait_for(main(sys.argv[1]), 45.0))
    print(json.dumps(result))
