"""Audio devices: list them, pick one by index or part of its name, explain what went wrong.

Only this module, ``microphone`` and ``speaker`` touch sounddevice (PortAudio).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sounddevice as sd

from knotvoice.errors import DeviceError

_LOG = logging.getLogger(__name__)

Kind = Literal["input", "output"]

# PortAudio error codes (portaudio.h).
_INVALID_CHANNEL_COUNT = -9998
_INVALID_SAMPLE_RATE = -9997
_INVALID_DEVICE = -9996
_DEVICE_UNAVAILABLE = -9985
_SAMPLE_FORMAT_NOT_SUPPORTED = -9994

_LISTED = 8
"""Devices named in an error about a name that matches none."""


@dataclass(frozen=True)
class Device:
    """One audio device as PortAudio sees it."""

    index: int
    """PortAudio device index (what ``--input-device``/``--output-device`` accept)."""
    name: str
    hostapi: str
    """Host API, e.g. "ALSA"."""
    input_channels: int
    """Maximum input channels (0 for a playback-only device)."""
    output_channels: int
    """Maximum output channels (0 for a capture-only device)."""
    default_rate: int
    """The device's default sample rate in Hertz."""
    default_input: bool = False
    """Whether this is the system's default input device."""
    default_output: bool = False
    """Whether this is the system's default output device."""

    def channels(self, kind: Kind) -> int:
        return self.input_channels if kind == "input" else self.output_channels

    def label(self) -> str:
        return f"{self.index} {self.name!r}"


def refresh() -> None:
    """Re-scan the devices (PortAudio only sees devices plugged in before it started)."""
    try:
        sd._terminate()
        sd._initialize()
    except sd.PortAudioError as error:
        raise DeviceError(f"cannot restart the audio system ({error}); check ALSA") from None


def _defaults() -> tuple[int, int]:
    try:
        default_in, default_out = sd.default.device
    except (TypeError, ValueError):
        return -1, -1
    hostapi_in = hostapi_out = -1
    try:
        hostapi = sd.query_hostapis(0)
        hostapi_in = int(hostapi["default_input_device"])
        hostapi_out = int(hostapi["default_output_device"])
    except (sd.PortAudioError, ValueError, IndexError):
        pass
    default_in = int(default_in) if default_in is not None and int(default_in) >= 0 else hostapi_in
    default_out = (
        int(default_out) if default_out is not None and int(default_out) >= 0 else hostapi_out
    )
    return default_in, default_out


def list_devices() -> list[Device]:
    """Every audio device PortAudio offers, in index order."""
    try:
        raw: Sequence[dict[str, Any]] = list(sd.query_devices())
        hostapis = [str(api["name"]) for api in sd.query_hostapis()]
    except sd.PortAudioError as error:
        raise DeviceError(f"cannot list audio devices ({error}); check ALSA/PortAudio") from None
    default_in, default_out = _defaults()
    devices = []
    for info in raw:
        index = int(info["index"])
        hostapi_index = int(info["hostapi"])
        devices.append(
            Device(
                index=index,
                name=str(info["name"]),
                hostapi=hostapis[hostapi_index] if hostapi_index < len(hostapis) else "",
                input_channels=int(info["max_input_channels"]),
                output_channels=int(info["max_output_channels"]),
                default_rate=round(float(info["default_samplerate"])),
                default_input=index == default_in,
                default_output=index == default_out,
            )
        )
    return devices


def resolve(spec: str | int | None, kind: Kind) -> Device:
    """The device for ``--input-device``/``--output-device``: an index, part of a name, or None.

    None picks the system default (or the first device that can do ``kind``).
    Raises ``DeviceError`` when nothing fits or a name part is ambiguous.
    """
    flag = f"--{kind}-device"
    devices = list_devices()
    usable = [device for device in devices if device.channels(kind) > 0]
    if not usable:
        what = "microphone" if kind == "input" else "speaker"
        raise DeviceError(
            f"no audio {kind} device found; plug in a {what} and check `knotvoice devices`"
        )
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        for device in usable:
            if device.default_input if kind == "input" else device.default_output:
                return device
        return usable[0]
    text = str(spec).strip()
    if text.lstrip("-").isdigit():
        index = int(text)
        for device in devices:
            if device.index == index:
                if device.channels(kind) == 0:
                    raise DeviceError(
                        f"device {device.label()} has no {kind} channels; "
                        f"pick another {flag} from `knotvoice devices`"
                    )
                return device
        raise DeviceError(f"no audio device with index {index}; see `knotvoice devices`")
    wanted = text.casefold()
    exact = [device for device in usable if device.name.casefold() == wanted]
    if len(exact) == 1:
        return exact[0]
    found = [device for device in usable if wanted in device.name.casefold()]
    if len(found) == 1:
        return found[0]
    if not found:
        other = [device for device in devices if wanted in device.name.casefold()]
        if other:
            named = ", ".join(device.label() for device in other[:_LISTED])
            which = f"device {named} has" if len(other) == 1 else f"devices {named} have"
            raise DeviceError(
                f"{flag} {text!r}: {which} no {kind} channels; "
                f"pick another {flag} from `knotvoice devices`"
            )
        listed = ", ".join(device.label() for device in usable[:_LISTED])
        more = f" and {len(usable) - _LISTED} more" if len(usable) > _LISTED else ""
        raise DeviceError(
            f"no audio {kind} device named like {text!r}; the {kind} devices are {listed}"
            f"{more} (`knotvoice devices` lists them for {flag})"
        )
    listed = ", ".join(device.label() for device in found[:5])
    raise DeviceError(f"{flag} {text!r} matches several devices ({listed}); give the index")


def stream_latency(stream: Any) -> float:
    """Seconds a PortAudio stream holds audio between the device and the kiosk (0 when it
    does not say)."""
    try:
        return float(stream.latency)
    except (AttributeError, TypeError, ValueError):
        return 0.0


def device_error(
    error: Exception, device: Device, kind: Kind, rate: int | None = None
) -> DeviceError:
    """A one-line ``DeviceError`` for a PortAudio failure on ``device``."""
    code = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], int) else None
    message = str(error.args[0]) if error.args else str(error)
    lowered = message.casefold()
    flag = f"--{kind}-device"
    if "busy" in lowered or code == _DEVICE_UNAVAILABLE or "unavailable" in lowered:
        return DeviceError(
            f"audio device {device.label()} is busy; stop the program using it "
            f"(see `fuser -v /dev/snd/*`) or pick another {flag}"
        )
    if code == _INVALID_SAMPLE_RATE or "sample rate" in lowered or "samplerate" in lowered:
        return DeviceError(
            f"audio device {device.label()} does not support {rate} Hz; "
            f"try its default rate {device.default_rate} Hz or another {flag}"
        )
    if code == _INVALID_CHANNEL_COUNT or "channel" in lowered:
        return DeviceError(
            f"audio device {device.label()} cannot {'record' if kind == 'input' else 'play'} "
            f"mono or stereo; pick another {flag}"
        )
    if code == _INVALID_DEVICE or "no such device" in lowered or "invalid device" in lowered:
        return DeviceError(
            f"audio device {device.label()} is gone; plug it back in or pick another {flag}"
        )
    if code == _SAMPLE_FORMAT_NOT_SUPPORTED:
        return DeviceError(
            f"audio device {device.label()} does not do 16-bit audio; pick another {flag}"
        )
    return DeviceError(
        f"audio device {device.label()} failed ({message}); check `knotvoice devices`"
    )
