"""Telling systemd how the service is: ready, alive (the watchdog), stopping.

A unit with ``Type=notify`` and ``WatchdogSec=`` gives the service ``$NOTIFY_SOCKET`` and
``$WATCHDOG_USEC``; the service sends ``READY=1`` once it serves and ``WATCHDOG=1`` at least
every half of that interval, from the loop that does the work, so a hung loop is restarted.
Without those variables (a terminal, the tests) every call does nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Mapping

__all__ = ["Notifier"]

_log = logging.getLogger(__name__)


class Notifier:
    """Sends systemd's notifications, if systemd asked for them."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        environ = os.environ if environ is None else environ
        address = environ.get("NOTIFY_SOCKET", "")
        self._address = "\0" + address[1:] if address.startswith("@") else address
        usec = environ.get("WATCHDOG_USEC", "")
        self.every = int(usec) / 2_000_000 if usec.isdigit() and int(usec) > 0 else None
        """Seconds between watchdog pings (None: no watchdog)."""
        self._last = 0.0

    def ready(self, status: str = "") -> None:
        self._send("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def stopping(self) -> None:
        self._send("STOPPING=1")

    def alive(self) -> None:
        """A watchdog ping, at most every ``every`` seconds however often it is called."""
        if self.every is None:
            return
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self._send("WATCHDOG=1")

    def _send(self, message: str) -> None:
        if not self._address:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.sendto(message.encode(), self._address)
        except OSError as error:
            _log.debug("systemd notification failed: %s", error)
