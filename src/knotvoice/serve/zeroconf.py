"""Announces the server on the local network, so Home Assistant finds it by itself: the only
module that imports ``zeroconf``.

Home Assistant browses ``_wyoming._tcp.local.`` and takes from a service only its address,
its port and its instance name (part of the config entry's identity, so the name must not
change between restarts); everything else it asks the server with ``describe``. It ignores a
service whose only address is 0.0.0.0, so a server listening on every address announces the
address of its way out to the local network instead (on a network with no gateway, its
address there).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
from collections.abc import AsyncIterator

import ifaddr
from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from knotvoice.errors import KnotvoiceError

__all__ = ["SERVICE_TYPE", "advertised_address", "announced", "instance_name", "service_info"]

_log = logging.getLogger(__name__)

SERVICE_TYPE = "_wyoming._tcp.local."
_MDNS_GROUP = "224.0.0.251"


def instance_name(configured: str | None = None) -> str:
    """The name to announce: ``configured``, else ``knotvoice-<host name>`` (the same at
    every start, and different for two kiosks on one network)."""
    if configured:
        return configured
    host = socket.gethostname().split(".")[0] or "host"
    return f"knotvoice-{host}"[:63]


def advertised_address(host: str) -> str:
    """The address to announce for a server listening on ``host``.

    ``host`` itself when it is one address of this machine; for every address ("0.0.0.0",
    "::" or ""), the address this machine reaches the local network from (found by pointing
    a UDP socket at the mDNS group, which sends nothing), or on a network with no route
    there, the machine's address on it. ``KnotvoiceError`` for a loopback address, which no
    other machine can reach, and for a machine on no network."""
    try:
        address = ipaddress.ip_address(host) if host else ipaddress.ip_address("0.0.0.0")
    except ValueError:
        try:
            address = ipaddress.ip_address(socket.gethostbyname(host))
        except OSError as error:
            raise KnotvoiceError(f"cannot resolve {host!r} to announce ({error})") from None
    if address.is_loopback:
        raise KnotvoiceError(
            f"{host} is reachable from this machine only; to be discovered, listen on "
            "tcp://0.0.0.0:PORT or on this machine's network address"
        )
    if not address.is_unspecified:
        return str(address)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect((_MDNS_GROUP, 5353))
            found = str(probe.getsockname()[0])
        except OSError:
            found = "0.0.0.0"  # no route out: a local network with no gateway
    if not ipaddress.ip_address(found).is_unspecified:
        return found
    local = _local_address()
    if local is None:
        raise KnotvoiceError(
            "no network address to announce: this machine is on no network; "
            "connect it, or leave --zeroconf out"
        )
    return local


def _local_address() -> str | None:
    """An IPv4 address of this machine on a local network (a link-local one only when it has
    no other), for a network with no route to the mDNS group: an offline network of fixed
    addresses and no gateway. None when it has no address but loopback."""
    found = [
        ipaddress.IPv4Address(ip.ip)
        for adapter in ifaddr.get_adapters()
        for ip in adapter.ips
        if ip.is_IPv4 and isinstance(ip.ip, str)
    ]
    usable = [address for address in found if not address.is_loopback]
    usable.sort(key=lambda address: address.is_link_local)
    return str(usable[0]) if usable else None


def service_info(name: str, address: str, port: int) -> AsyncServiceInfo:
    """The DNS-SD record of a Wyoming server called ``name`` at ``address``:``port``."""
    return AsyncServiceInfo(
        SERVICE_TYPE,
        f"{name}.{SERVICE_TYPE}",
        addresses=[ipaddress.ip_address(address).packed],
        port=port,
        server=f"{name}.local.",
    )


@contextlib.asynccontextmanager
async def announced(name: str, host: str, port: int) -> AsyncIterator[AsyncServiceInfo]:
    """Announce the server while inside; withdraw the announcement on the way out."""
    info = service_info(name, advertised_address(host), port)
    version = IPVersion.V6Only if ":" in str(info.parsed_addresses()[0]) else IPVersion.V4Only
    zeroconf = AsyncZeroconf(ip_version=version)
    try:
        # The first await registers the name; the second, the first announcements.
        await (await zeroconf.async_register_service(info))
    except Exception as error:  # zeroconf raises its own errors and OSError variants
        await zeroconf.async_close()
        raise KnotvoiceError(
            f"cannot announce {name!r} on the network ({error}); "
            "pick another name with --zeroconf NAME, or leave --zeroconf out"
        ) from None
    _log.info(
        "announced %s at %s:%d",
        info.name,
        info.parsed_addresses()[0],
        port,
    )
    try:
        yield info
    finally:
        with contextlib.suppress(Exception):
            await (await zeroconf.async_unregister_service(info))
        await zeroconf.async_close()
