"""Audio devices: list them, pick one by index or part of its name, explain what went wrong
(and keep what ALSA and PortAudio print on their own for the log).

Only this module, ``microphone`` and ``speaker`` touch sounddevice (PortAudio).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import logging
import os
import threading
from collections.abc import Iterator, Sequence
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
_UNANTICIPATED_HOST_ERROR = -9999
_BAD_IO_DEVICE_COMBINATION = -9993
"""What PortAudio says when ALSA could not open a device, for any reason but busy: most
often one unplugged since PortAudio last looked ("Illegal combination of I/O devices")."""
_ERRNO_HOST_APIS = {7, 8}
"""PortAudio's OSS and ALSA host APIs, whose host errors are (negated) ``errno`` values."""

_LISTED = 8
"""Devices named in an error about a name that matches none."""

_GONE = {errno.ENODEV, errno.ENOENT, errno.ENXIO}
"""ALSA's errors (negated) for a device that is no longer there (unplugged)."""

NATIVE_PREFIXES = ("ALSA lib ", "Expression '", "PaAlsa")
"""How the lines ALSA and PortAudio print on their own begin ("ALSA lib pcm.c:8570:(...)",
"Expression 'res' failed in 'src/hostapi/alsa/pa_linux_alsa.c', line: 3502")."""

_UNBUFFERED = 2
"""glibc's ``_IONBF``: a stream written at once, as standard error is."""

READER_SECONDS = 2.0
"""How long the end of ``native_messages_logged`` waits for the lines still to be read."""

_redirected: tuple[ctypes.c_void_p, int | None] | None = None
"""While ``native_messages_logged`` runs: C's ``stderr`` and the stream it was before."""


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
        # What every device probed and JACK print as PortAudio starts, sounddevice sends to
        # /dev/null through the descriptor: C's stream is pointed back at it meanwhile.
        with _stderr_as_it_was():
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
        asked = (
            f" ({flag} {str(spec).strip()!r} asked for)"
            if spec is not None and str(spec).strip()
            else ""
        )
        raise DeviceError(
            f"no audio {kind} device found{asked}; plug in a {what} and check `knotvoice devices`"
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
        raise DeviceError(
            f"{flag} {text!r}: no audio device has that index; see `knotvoice devices`"
        )
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
    # PortAudio's "Unanticipated host error" comes with ALSA's own: (host API, -errno, text).
    host = error.args[2] if len(error.args) > 2 else None
    host_code, host_text = 0, ""
    if isinstance(host, tuple) and len(host) == 3 and isinstance(host[1], int) and host[2]:
        host_text = str(host[2])
        host_code = -host[1] if host[0] in _ERRNO_HOST_APIS else 0
    lowered = f"{message} {host_text}".casefold()
    flag = f"--{kind}-device"
    gone = DeviceError(
        f"audio device {device.label()} is gone; plug it back in or pick another {flag}"
    )
    if host_code in _GONE:
        return gone
    busy = host_code == errno.EBUSY or code == _DEVICE_UNAVAILABLE
    if busy or "busy" in lowered or "unavailable" in lowered:
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
        return gone
    if code == _BAD_IO_DEVICE_COMBINATION:
        return DeviceError(
            f"audio device {device.label()} could not be opened (unplugged?); plug it back "
            f"in or pick another {flag}"
        )
    if code == _SAMPLE_FORMAT_NOT_SUPPORTED:
        return DeviceError(
            f"audio device {device.label()} does not do 16-bit audio; pick another {flag}"
        )
    if code == _UNANTICIPATED_HOST_ERROR:
        # ALSA's own word for it ("input/output error"), not PortAudio's; PortAudio has it
        # only for a call from the main thread, not from the speaker's or microphone's.
        why = f" ({host_text[:1].lower()}{host_text[1:]})" if host_text else ""
        return DeviceError(
            f"audio device {device.label()} stopped working{why}; check its cable and power, "
            f"or pick another {flag}"
        )
    return DeviceError(
        f"audio device {device.label()} failed ({message}); check `knotvoice devices`"
    )


@contextlib.contextmanager
def native_messages_logged() -> Iterator[None]:
    """For the duration of the block, the lines ALSA and PortAudio print on their own as a
    device fails ("ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM usb", "Expression
    'ret' failed in 'src/hostapi/alsa/pa_linux_alsa.c', line: 1736") go to this module's log
    at info level (shown with ``-v``, as ``audio system: ...``): the kiosk says what
    happened and what to do in one line of its own. Every other line written to C's
    ``stderr`` is passed on to standard error as it was. C's ``stderr`` (not the descriptor,
    which Python's own lines use) is pointed at a pipe read by a thread. Where that cannot be
    done (no glibc), nothing changes."""
    if not _glibc():
        yield
        return
    try:
        libc = ctypes.CDLL(None)
        stream = ctypes.c_void_p.in_dll(libc, "stderr")
        fdopen, setvbuf, fflush, fclose = libc.fdopen, libc.setvbuf, libc.fflush, libc.fclose
    except (OSError, ValueError, AttributeError):
        yield
        return
    fdopen.restype, fdopen.argtypes = ctypes.c_void_p, [ctypes.c_int, ctypes.c_char_p]
    setvbuf.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
    fflush.argtypes = fclose.argtypes = [ctypes.c_void_p]
    read_end, write_end = os.pipe()
    # A reader that falls behind costs lines, never a stuck audio thread.
    fcntl.fcntl(write_end, fcntl.F_SETFL, fcntl.fcntl(write_end, fcntl.F_GETFL) | os.O_NONBLOCK)
    piped = fdopen(write_end, b"w")
    if not piped:
        os.close(read_end)
        os.close(write_end)
        yield
        return
    setvbuf(piped, None, _UNBUFFERED, 0)
    reader = threading.Thread(
        target=_pass_on, args=(read_end,), daemon=True, name="knotvoice-native-log"
    )
    reader.start()
    global _redirected
    previous = stream.value
    stream.value = piped
    _redirected = (stream, previous)
    try:
        yield
    finally:
        _redirected = None
        stream.value = previous
        fflush(piped)
        # Closing the write end ends the reader, once it has read what is left.
        fclose(piped)
        reader.join(timeout=READER_SECONDS)


@contextlib.contextmanager
def _stderr_as_it_was() -> Iterator[None]:
    """C's ``stderr`` as it was before ``native_messages_logged``, for the block."""
    redirected = _redirected
    if redirected is None:
        yield
        return
    stream, previous = redirected
    piped = stream.value
    stream.value = previous
    try:
        yield
    finally:
        stream.value = piped


def _glibc() -> bool:
    """Whether C's ``stderr`` is glibc's, a pointer that can be set (musl's cannot)."""
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError):
        return False


def _pass_on(read_end: int) -> None:
    """Read C's standard error line by line: ALSA's and PortAudio's lines are logged, the
    rest written to standard error unchanged."""
    with os.fdopen(read_end, "rb") as lines:
        for raw in lines:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line.startswith(NATIVE_PREFIXES):
                _LOG.info("audio system: %s", line)
            else:
                with contextlib.suppress(OSError):
                    os.write(2, raw)
