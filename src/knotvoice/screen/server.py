"""The kiosk's screen over HTTP: the only module that imports ``aiohttp``.

- ``GET /``, ``/screen.css``, ``/screen.js``: the page, from this package's files (nothing
  from the internet: no CDN, no web font).
- ``GET /events``: server-sent events, one ``view`` event per change (the first is the
  current view), and an ``alive`` event every ``KEEPALIVE_SECONDS`` (its data says how
  often). A page that falls behind is dropped; its browser reconnects by itself. A page
  gone (its connection lost) holds no place, even when it left while the kiosk was frozen.
- ``GET /view``: the current view, as JSON.
- ``GET /health``: how the kiosk is doing, as ``knotvoice status --json`` says it: 200 while
  its loop goes round, 503 when its status is stale (the loop is stuck).
- ``GET /report?since=7d``: the turn log's report (``knotvoice report``) as a page for the
  operator, with questions per day as a bar chart (``report.css``).
- ``POST /ask`` ``{"text": ...}``, ``POST /choose`` ``{"choice": "yes"|"first"|"other"|"no"}``,
  ``POST /stop``: a typed question, a tapped did-you-mean, a stop. Each goes to the kiosk's
  inbox and is answered aloud and on the page. A choice the page sends with the ``turn`` of
  the view it was tapped on is refused (409) once the question on screen has changed.

It listens on loopback unless told otherwise, and holds at most ``MAX_CONNECTIONS``
connections (one more is answered 503 and closed) for at most ``IDLE_SECONDS`` each between
requests, so a client that opens connections and sends nothing, or half a request, cannot
use up the kiosk's files (its turn log is written by the same process). Another machine
holds at most ``PER_ADDRESS`` of them, and all others together leave ``KEPT_FOR_HERE`` of
them, and ``WATCHING_KEPT_FOR_HERE`` places among the pages watching, for this machine's own
page.

A POST must be JSON (a form on another site cannot send that without the browser asking
first, and nothing here says yes) and must come from this page: an ``Origin`` or
``Referer`` naming another site is refused. A browser says which page a request comes from
(``Sec-Fetch-Site``): one from another site's page is refused too, a GET as well (an image
pointing at ``/events`` would hold a place of a page watching, one at ``/report`` would have
the whole turn log read), unless it is a link followed. A request must name the page
by an address, by a name no one can own on the internet (``kiosk``, ``kiosk.lan``,
``kiosk.local``), or by this machine's name or the one it was told to listen on: a site
whose own name is made to point at this machine cannot reach it either (bound to loopback,
only a loopback name will do).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import html
import ipaddress
import json
import logging
import signal
import socket
import sys
import threading
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from knotvoice.errors import KnotvoiceError
from knotvoice.journal import Status
from knotvoice.kiosk.inbox import Ask, Choice, Choose, Inbox, InboxFull, Item, Stop
from knotvoice.report import parse_since
from knotvoice.screen.hub import MAX_WATCHERS, Hub, State
from knotvoice.settings import ScreenSettings
from knotvoice.turn import MAX_QUESTION_CHARS, as_text, too_long

__all__ = ["MAX_QUESTION_CHARS", "ScreenServer", "beside"]

_log = logging.getLogger(__name__)


class _BadRequests(logging.Filter):
    """A request that is no HTTP, or whose line or header is too long (a port scanner, a
    broken client), in one line and only with -v: aiohttp logged each as an error with its
    traceback, in the log of a kiosk that runs for months."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, HttpProcessingError):
            return True
        said = " ".join(str(error.message).split())[:120]
        _log.info("a request turned away (%s): %s", error.code, said)
        return False


_http_log = logging.getLogger(f"{__name__}.http")
"""What aiohttp's request handler logs (its own logger, told of bad requests in a line)."""
_http_log.addFilter(_BadRequests())

T = TypeVar("T")

MAX_BODY_BYTES = 64 * 1024
"""Largest request body, in bytes."""
KEEPALIVE_SECONDS = 3.0
"""A page with nothing new is sent an ``alive`` event this often (about 40 bytes), so a dead
connection is noticed, and the page notices a server that has stopped: it says the kiosk is
not responding once it hears nothing for 2.5 times this (7.5 s), which a server held up for
a few seconds on a busy Pi stays well within."""
WRITE_SECONDS = 5.0
"""A page that takes longer than this to take one view is dropped."""
RETRY_MILLISECONDS = 2000
"""How soon a page's browser reconnects after losing the events."""
MAX_CONNECTIONS = 200
"""Connections open at once (each page watching holds one); one more is answered 503 and
closed."""
PER_ADDRESS = 16
"""Connections one other machine may hold at once (a page holds one, and its browser up to
six more while it loads)."""
KEPT_FOR_HERE = 20
"""Connections other machines leave, however many of them there are, for this machine's own
page."""
WATCHING_KEPT_FOR_HERE = 10
"""Places among the pages watching (``MAX_WATCHERS``) other machines leave for this one's."""
IDLE_SECONDS = 30.0
"""A connection with no request under way (none yet, or half of one) is closed after this
long."""
REPORT_SECONDS = 120.0
"""Longest a report page may take to make (a year of a busy kiosk's turns: about 15 s)."""
_BUSY_MESSAGE = "The kiosk is busy. Please try again in a moment."
"""What the page shows a visitor when the kiosk cannot take what they sent yet (too many
connections, a full inbox)."""
_CHANGED_MESSAGE = "The question on the screen has changed. Please choose again."
"""What the page shows a visitor whose tap came after the question it was on was replaced."""
_BUSY_BODY = json.dumps({"error": _BUSY_MESSAGE}).encode() + b"\n"
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    + f"Content-Length: {len(_BUSY_BODY)}\r\nConnection: close\r\n\r\n".encode()
    + _BUSY_BODY
)

_FILES = {
    "/": ("index.html", "text/html"),
    "/screen.css": ("screen.css", "text/css"),
    "/screen.js": ("screen.js", "text/javascript"),
    "/report.css": ("report.css", "text/css"),
}
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
_SPOKEN_HINT = b"Ask a question out loud, or type it below."
"""The page's hint to a visitor, where the kiosk has a microphone."""
_TYPED_HINT = b"Type a question below."
"""The hint where it has none (``knotvoice screen``)."""
_STOP = b'<button id="stop" type="button" class="stop" disabled>'
"""The page's Stop button, which cuts the reply being said."""
_NO_STOP = b'<button id="stop" type="button" class="stop" disabled hidden data-never="">'
"""The Stop button where no reply is ever said (no sound device): never shown."""
_OTHER_SITES = frozenset({"cross-site", "same-site"})
"""What a browser's ``Sec-Fetch-Site`` says of a request another site's page makes (a page on
another port of this machine is "same-site")."""
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
_THIS_MACHINE = frozenset({"127.0.0.1", "::1"})
"""The addresses the page's connections come from when this machine's own browser shows it
at 127.0.0.1 or localhost (at another of its addresses, they come from that one)."""
_PRIVATE_SUFFIXES = (
    "local",
    "lan",
    "home",
    "internal",
    "intranet",
    "localdomain",
    "home.arpa",
    "private",
    "corp",
)
"""Endings of names no one can own on the internet (a router's ``kiosk.lan``, mDNS's
``kiosk.local``): a site that makes its own name point at the kiosk cannot use them."""


def _loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _own_names(bound: str) -> frozenset[str]:
    """The names a request may give the page by on a screen bound to ``bound`` (besides an
    address or a name no one can own on the internet, ``localhost`` among them): this
    machine's name and the one it was told to listen on."""
    return frozenset({socket.gethostname().lower().rstrip("."), bound.lower().rstrip(".")})


def _local_name(name: str) -> bool:
    """Whether ``name`` can only be a name on the local network: one word (``kiosk``), or
    under an ending no one can own on the internet (``kiosk.lan``, ``kiosk.local``)."""
    return "." not in name or name.endswith(tuple(f".{end}" for end in _PRIVATE_SUFFIXES))


def _peer(transport: asyncio.BaseTransport | None) -> str:
    """The address a connection comes from ("" when not known)."""
    peer = transport.get_extra_info("peername") if transport is not None else None
    return str(peer[0]) if isinstance(peer, tuple) and peer else ""


def _from_here(transport: asyncio.BaseTransport | None) -> bool:
    """Whether a connection comes from this machine: from loopback, or from the address it
    came to (this machine's browser at its own network address)."""
    peer = _peer(transport)
    if not peer or peer in _THIS_MACHINE:
        return True
    local = transport.get_extra_info("sockname") if transport is not None else None
    return isinstance(local, tuple) and bool(local) and str(local[0]) == peer


def _refused(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=_HEADERS)


def _refused_page(status: int, message: str) -> web.Response:
    """A refusal of ``/report``, which a browser asks for: as a page, not JSON."""
    page = (
        "<!doctype html><meta charset='utf-8'><title>knotvoice report</title>"
        f"<link rel='stylesheet' href='report.css'><p>{html.escape(message)}</p>"
    )
    return web.Response(status=status, text=page, content_type="text/html", headers=_HEADERS)


def _page(name: str) -> bytes:
    return resources.files("knotvoice.screen").joinpath("static", name).read_bytes()


class _Gate(asyncio.Protocol):
    """A connection's first protocol: once it is known where the connection comes from, it
    is handed to the protocol ``admit`` gives, or answered 503 at once and closed."""

    def __init__(self, admit: Callable[[asyncio.BaseTransport], asyncio.Protocol | None]) -> None:
        self._admit = admit

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        protocol = self._admit(transport)
        if protocol is None:
            transport.write(_BUSY)
            transport.close()
            return
        transport.set_protocol(protocol)
        protocol.connection_made(transport)


def _what_to_do(error: OSError) -> str:
    """What to do when the screen's address cannot be listened on: a host name not found or
    not this machine's is no busy port."""
    if isinstance(error, socket.gaierror):
        return "no such host name: give 127.0.0.1, 0.0.0.0 or an address of this machine"
    if error.errno == errno.EADDRNOTAVAIL:
        return "that address is not this machine's: give 127.0.0.1, 0.0.0.0 or one of its own"
    if error.errno == errno.EACCES:
        return "a port below 1024 needs root: pick one above 1024"
    return "is something else using it? pick another port"


class _Site(web.BaseSite):
    """A TCP site that takes at most ``limit`` connections at once."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, limit: int) -> None:
        super().__init__(runner)
        self._host = host
        self._port = port
        self._limit = limit
        self.refused = 0

    @property
    def name(self) -> str:
        return ScreenSettings(self._host, self._port).url

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None

        def admit(transport: asyncio.BaseTransport) -> asyncio.Protocol | None:
            open_ = server.connections
            peer = _peer(transport)
            if _from_here(transport):
                full = len(open_) >= self._limit
            else:
                from_there = sum(_peer(handler.transport) == peer for handler in open_)
                full = from_there >= PER_ADDRESS or len(open_) >= self._limit - KEPT_FOR_HERE
            if not full:
                return server()
            self.refused += 1
            if self.refused == 1 or self.refused % 1000 == 0:
                _log.warning(
                    "refused a connection to the screen from %s: %d are open (%d refused so far)",
                    peer or "an unknown address",
                    len(open_),
                    self.refused,
                )
            return None

        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Gate(admit), self._host, self._port)


class ScreenServer:
    """Serves the page, its events and its POSTs on the running event loop."""

    def __init__(
        self,
        hub: Hub,
        inbox: Inbox,
        settings: ScreenSettings,
        health: Callable[[], Status] | None = None,
        log_dir: Path | None = None,
        typed_only: bool = False,
        silent: bool = False,
    ) -> None:
        """``health`` says how the kiosk is doing now (``Journal.snapshot``); without it
        there is no ``/health``. ``log_dir`` holds the turn log ``/report`` reads; without it
        there is no ``/report``. ``typed_only``: the kiosk has no microphone, and the page
        does not ask visitors to speak. ``silent``: it has no sound device, and the page has
        no Stop button (it showed one, disabled, while each question was thought about)."""
        self.hub = hub
        self.inbox = inbox
        self.settings = settings
        self.health = health
        self.log_dir = log_dir
        self._files = {path: (_page(name), kind) for path, (name, kind) in _FILES.items()}
        page, kind = self._files["/"]
        if typed_only:
            page = page.replace(_SPOKEN_HINT, _TYPED_HINT)
        if silent:
            page = page.replace(_STOP, _NO_STOP)
        self._files["/"] = (page, kind)
        self._runner: web.AppRunner | None = None
        self._making: tuple[str, asyncio.Task[tuple[int, str]]] | None = None
        """The report being made, or the last one made, and its period."""
        self.url = settings.url
        """Where the page is (the real port once started)."""
        self._names = _own_names(settings.host)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[self._guard])
        for path in self._files:
            app.router.add_get(path, self._file)
        app.router.add_get("/favicon.ico", self._no_icon)
        app.router.add_get("/events", self._events)
        app.router.add_get("/view", self._view)
        if self.health is not None:
            app.router.add_get("/health", self._health)
        if self.log_dir is not None:
            app.router.add_get("/report", self._report)
        app.router.add_post("/ask", self._ask)
        app.router.add_post("/choose", self._choose)
        app.router.add_post("/stop", self._stop)
        return app

    async def start(self) -> str:
        """Start serving; returns the page's address. ``KnotvoiceError`` when the address
        cannot be used."""
        self.hub.attach(asyncio.get_running_loop())
        # A request whose connection is lost is given up at once (``handler_cancellation``):
        # a page gone (one that gave up on a frozen kiosk and connected again) holds no place.
        self._runner = web.AppRunner(
            self.app(),
            access_log=None,
            logger=_http_log,
            shutdown_timeout=1.0,
            keepalive_timeout=IDLE_SECONDS,
            handler_cancellation=True,
        )
        await self._runner.setup()
        site = _Site(self._runner, self.settings.host, self.settings.port, MAX_CONNECTIONS)
        try:
            await site.start()
        except OSError as error:
            await self._runner.cleanup()
            self._runner = None
            raise KnotvoiceError(
                f"cannot serve the screen on {self.settings.host}:{self.settings.port} "
                f"({error.strerror or error}); {_what_to_do(error)} (`knotvoice screen "
                "[HOST:]PORT`, or `listen --screen`)"
            ) from None
        addresses = self._runner.addresses  # the real port when 0 was asked for
        port = int(addresses[0][1]) if addresses else self.settings.port
        self.url = ScreenSettings(self.settings.host, port).url
        _log.info("the screen is at %s", self.url)
        return self.url

    async def stop(self) -> None:
        self.hub.close()
        self.hub.attach(None)
        if self._making is not None:
            task, self._making = self._making[1], None
            task.cancel()  # its process is killed
            await asyncio.gather(task, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- what every request passes --

    @web.middleware
    async def _guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        host = request.host
        name = urlsplit(f"//{host}").hostname or ""  # in lower case
        if _loopback(self.settings.host):
            if not _loopback(name):
                return _refused(403, "this page is served to this machine only")
        elif not (_address(name) or _local_name(bare := name.rstrip(".")) or bare in self._names):
            return _refused(
                403,
                "open this page by the kiosk's address or a name on the local network "
                f"({socket.gethostname().lower()}.local): a name that only points to it is "
                "refused",
            )
        fetched = request.headers.get("Sec-Fetch-Site", "same-origin")
        if fetched in _OTHER_SITES and request.headers.get("Sec-Fetch-Mode") != "navigate":
            return _refused(403, "a request from another site is refused")
        if request.method == "POST":
            origin = request.headers.get("Origin")
            referer = request.headers.get("Referer")
            if origin is not None and origin != f"{request.scheme}://{host}":
                return _refused(403, "a request from another site is refused")
            if origin is None and referer is not None:
                parts = urlsplit(referer)
                if f"{parts.scheme}://{parts.netloc}" != f"{request.scheme}://{host}":
                    return _refused(403, "a request from another site is refused")
            if request.content_type != "application/json":
                return _refused(415, "send JSON (Content-Type: application/json)")
        try:
            return await handler(request)
        except web.HTTPRequestEntityTooLarge:
            return _refused(413, f"the request is larger than {MAX_BODY_BYTES} bytes")

    # -- the page --

    async def _file(self, request: web.Request) -> web.Response:
        body, kind = self._files[request.path]
        return web.Response(body=body, content_type=kind, charset="utf-8", headers=_HEADERS)

    async def _no_icon(self, request: web.Request) -> web.Response:
        return web.Response(status=204, headers=_HEADERS)

    async def _view(self, request: web.Request) -> web.Response:
        return web.Response(
            text=self.hub.message(), content_type="application/json", headers=_HEADERS
        )

    async def _health(self, request: web.Request) -> web.Response:
        assert self.health is not None
        status = self.health()
        return web.json_response(
            status.to_json(), status=503 if status.stale() else 200, headers=_HEADERS
        )

    async def _report(self, request: web.Request) -> web.Response:
        """The turn log's report as a page (``?since=7d``, as ``knotvoice report``), made in
        a process of its own at the lowest priority: the kiosk's turns never wait behind it
        (made in this process, a year's report held a visitor's turn up to 13 s). One is
        made at a time; a request for the same period meanwhile (a reload) gets the same
        page, one for another period is asked to come back."""
        assert self.log_dir is not None
        since = request.query.get("since", "7d")
        try:
            parse_since(since)
        except ValueError as error:
            return _refused_page(400, str(error))
        making = self._making
        if making is None or making[1].done():
            making = self._making = (since, asyncio.create_task(self._make_report(since)))
        elif making[0] != since:
            return _refused_page(
                503, f"the report of the last {making[0]} is being made; try again in a moment"
            )
        # Shielded: a page left does not stop the report a reload will want (a report ends
        # within REPORT_SECONDS; ``stop`` ends one under way).
        status, text = await asyncio.shield(making[1])
        if status != 200:
            return _refused_page(status, text)
        return web.Response(text=text, content_type="text/html", headers=_HEADERS)

    async def _make_report(self, since: str) -> tuple[int, str]:
        """``python -m knotvoice.report`` for the last ``since``: (200, the page), or an
        error status and what to say; a report over ``REPORT_SECONDS`` is stopped."""
        try:
            child = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "knotvoice.report",
                str(self.log_dir),
                since,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as error:  # no memory or process left for it
            _log.warning("the report could not be started: %s", error)
            return 503, f"the report could not be started ({error}); try again"
        try:
            async with asyncio.timeout(REPORT_SECONDS):
                out, err = await child.communicate()
        except TimeoutError:
            return 503, (
                f"the report of the last {since} took over {REPORT_SECONDS:.0f} s; "
                "ask for a shorter period (?since=7d)"
            )
        finally:
            if child.returncode is None:  # timed out, or the server is stopping
                child.kill()
                await asyncio.shield(child.wait())
        if child.returncode != 0:
            why = (err.decode("utf-8", "replace").strip().splitlines() or ["no reason given"])[-1]
            _log.warning("the report could not be made (status %s): %s", child.returncode, why)
            return 500, f"the report could not be made: {why}"
        return 200, out.decode("utf-8", "replace")

    async def _events(self, request: web.Request) -> web.StreamResponse:
        here = _from_here(request.transport)
        with self.hub.watch(
            MAX_WATCHERS if here else MAX_WATCHERS - WATCHING_KEPT_FOR_HERE
        ) as watcher:
            if watcher is None:
                return _refused(503, "too many pages are watching; try again later")
            response = web.StreamResponse(
                headers={**_HEADERS, "Content-Type": "text/event-stream", "X-Accel-Buffering": "no"}
            )
            try:
                await response.prepare(request)  # the page may have gone already
                alive = f"event: alive\ndata: {json.dumps({'every': KEEPALIVE_SECONDS})}\n\n"
                await response.write(f"retry: {RETRY_MILLISECONDS}\n\n{alive}".encode())
                while True:
                    try:
                        async with asyncio.timeout(KEEPALIVE_SECONDS):
                            text = await watcher.queue.get()
                    except TimeoutError:
                        chunk = alive.encode()
                    else:
                        if text is None:
                            break  # dropped for falling behind, or the server stops
                        chunk = f"event: view\ndata: {text}\n\n".encode()
                    async with asyncio.timeout(WRITE_SECONDS):
                        await response.write(chunk)
            except (ConnectionError, TimeoutError) as error:
                _log.debug("a page left: %s", error)
            return response

    # -- what the page sends --

    async def _json(self, request: web.Request) -> dict[str, Any]:
        try:
            data = await request.json()
        except (ValueError, UnicodeDecodeError, RecursionError):  # nested deeper than Python
            raise web.HTTPBadRequest(
                text=json.dumps({"error": "the body is not JSON"}),
                content_type="application/json",
            ) from None
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(
                text=json.dumps({"error": "send a JSON object"}), content_type="application/json"
            )
        return data

    def _put(self, item: Item) -> web.Response:
        try:
            self.inbox.put(item)
        except InboxFull:
            return _refused(503, _BUSY_MESSAGE)
        return web.json_response({"ok": True}, status=202, headers=_HEADERS)

    async def _ask(self, request: web.Request) -> web.Response:
        text = (await self._json(request)).get("text")
        if not isinstance(text, str):
            return _refused(400, "give the question as text")
        # A JSON "\ud800" is no text a page can be sent: every page watching was cut off.
        text = " ".join(as_text(text).split())
        if not text:
            return web.json_response({"ok": False, "ignored": "empty"}, headers=_HEADERS)
        refusal = too_long(text)
        if refusal is not None:
            return _refused(413, refusal)
        return self._put(Ask(text))

    async def _choose(self, request: web.Request) -> web.Response:
        data = await self._json(request)
        value, turn = data.get("choice"), data.get("turn")
        try:
            choice = Choice(value if isinstance(value, str) else "")
        except ValueError:
            return _refused(400, "choice must be yes, first, other or no")
        view = self.hub.view
        # a question heard since the reply tapped on, being worked out (or a tap from
        # another page), before it has a turn of its own; or one typed, waiting to be
        # worked out before the tap
        asked = view.state is State.THINKING and view.heard != view.replied_to[0]
        if isinstance(turn, int) and (turn != view.turn or asked or self.inbox.asking()):
            # Tapped on a question since replaced (another page, or a question said): a yes
            # would have answered the new one.
            return _refused(409, _CHANGED_MESSAGE)
        return self._put(Choose(choice))

    async def _stop(self, request: web.Request) -> web.Response:
        await self._json(request)
        return self._put(Stop())


def beside(
    kiosk: Callable[[], T],
    hub: Hub,
    inbox: Inbox,
    settings: ScreenSettings,
    stop: threading.Event,
    ready: Callable[[str], None] | None = None,
    health: Callable[[], Status] | None = None,
    log_dir: Path | None = None,
    typed_only: bool = False,
    silent: bool = False,
) -> T:
    """Run ``kiosk`` (the kiosk loop, which ends when ``stop`` is set) on a thread of its own
    while the screen is served here; SIGTERM and SIGINT set ``stop``. Returns what
    ``kiosk`` returns, once the screen has stopped. ``health`` is what ``/health`` serves;
    ``typed_only`` and ``silent`` as for ``ScreenServer``."""

    async def run() -> T:
        loop = asyncio.get_running_loop()
        server = ScreenServer(hub, inbox, settings, health, log_dir, typed_only, silent)
        url = await server.start()
        signals = []
        for number in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(number, stop.set)
                signals.append(number)
        try:
            if ready is not None:
                ready(url)
            return await asyncio.to_thread(kiosk)
        finally:
            stop.set()
            for number in signals:
                loop.remove_signal_handler(number)
            await server.stop()

    return asyncio.run(run())
