"""What the server announces on the local network. Nothing here sends a packet: the
announcement itself is multicast, beyond loopback, so only the record is checked."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from knotvoice.errors import KnotvoiceError
from knotvoice.match import MatchStage
from knotvoice.match.matcher import Matcher
from knotvoice.reload import Reloader
from knotvoice.serve.agent import Agent
from knotvoice.serve.server import serve
from knotvoice.serve.zeroconf import (
    SERVICE_TYPE,
    advertised_address,
    instance_name,
    service_info,
)
from knotvoice.settings import ServeSettings

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge" / "knots.yaml"


def test_the_default_name_is_the_same_at_every_start_and_names_the_host() -> None:
    assert instance_name() == instance_name()
    assert instance_name().startswith("knotvoice-")
    assert len(instance_name().encode()) <= 63
    assert instance_name("kitchen") == "kitchen"


def test_a_server_on_every_address_never_announces_0_0_0_0() -> None:
    """Home Assistant ignores a service whose only address is unspecified."""
    try:
        address = advertised_address("0.0.0.0")
    except KnotvoiceError as error:  # a machine with no route to a local network
        assert "no network address" in str(error)
        return
    parsed = ipaddress.ip_address(address)
    assert not parsed.is_unspecified and not parsed.is_loopback


def test_one_address_is_announced_as_it_is() -> None:
    assert advertised_address("192.0.2.7") == "192.0.2.7"


def test_loopback_cannot_be_discovered_and_says_what_to_do() -> None:
    with pytest.raises(KnotvoiceError, match=r"tcp://0\.0\.0\.0:PORT"):
        advertised_address("127.0.0.1")


def test_the_record_is_what_home_assistant_browses_for() -> None:
    info = service_info("knotvoice-kiosk", "192.0.2.7", 10500)
    assert info.type == SERVICE_TYPE == "_wyoming._tcp.local."
    assert info.name == "knotvoice-kiosk._wyoming._tcp.local."
    assert info.parsed_addresses() == ["192.0.2.7"]
    assert info.port == 10500


def test_announcing_a_unix_socket_is_a_clear_error(tmp_path: Path) -> None:
    reloader: Reloader[MatchStage] = Reloader.load(KNOWLEDGE, Matcher)
    settings = ServeSettings(uri=f"unix://{tmp_path}/knotvoice.sock", zeroconf="")
    with pytest.raises(KnotvoiceError, match="needs a tcp://"):
        asyncio.run(asyncio.wait_for(serve(Agent(reloader), reloader, settings), 10.0))


CABLE = (
    "ip link set lo up"
    " && ip link add kv0 type veth peer name kv1"
    " && ip addr add 192.0.2.1/24 dev kv0 && ip addr add 192.0.2.2/24 dev kv1"
    " && ip link set kv0 up && ip link set kv1 up"
)
"""A private network: two ends of one virtual cable (TEST-NET-1 addresses) and no way out of
the namespace."""
NAMESPACE = CABLE + " && ip route add 224.0.0.0/4 dev kv0"
"""... with a route for multicast, as a network with a gateway has."""


@pytest.mark.parametrize(
    ("namespace", "addresses"),
    [
        pytest.param(NAMESPACE, {"192.0.2.1"}, id="routed"),
        pytest.param(CABLE, {"192.0.2.1", "192.0.2.2"}, id="offline-network-with-no-gateway"),
    ],
)
def test_home_assistant_would_discover_and_describe_the_server(
    namespace: str, addresses: set[str]
) -> None:
    """Serve with zeroconf on, browse and resolve as Home Assistant does, then describe the
    address found: inside a network namespace of its own, so nothing leaves this machine.
    A network with no gateway (an offline one of fixed addresses) has no route to the mDNS
    group, and the server is announced there too."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs unshare and ip to make a private network")
    try:
        setup = subprocess.run(
            ["unshare", "-n", "sh", "-c", namespace], capture_output=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        pytest.skip(f"cannot make a private network here ({error})")
    if setup.returncode != 0:
        pytest.skip(f"cannot make a private network here ({setup.stderr.decode().strip()})")
    probe = Path(__file__).with_name("zeroconf_probe.py")
    result = subprocess.run(
        [
            "unshare",
            "-n",
            "sh",
            "-c",
            f'{namespace} && exec "$0" "$1" kitchen-kiosk',
            sys.executable,
            str(probe),
        ],
        capture_output=True,
        text=True,
        timeout=90,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["names"] == ["kitchen-kiosk._wyoming._tcp.local."]
    assert seen["resolved"] is True
    (address,) = seen["addresses"]
    assert address in addresses, "the address of the way out, never 0.0.0.0"
    assert seen["port"] == seen["listening_port"]
    assert "handle knotvoice" in seen["described"]
