"""The LibreOffice converter: one headless office per process, reused.

A cold `soffice --convert-to pdf` spends most of its time starting the office.
Here each Python process starts one office once, with its own profile folder
(kept across restarts, so later starts are warm too) and a small document kept
open so the office stays up between conversions. A conversion then runs
`soffice.bin --convert-to pdf` with the same profile: that short-lived client
hands the request to the running office over LibreOffice's own single-instance
pipe and waits for it to finish. A conversion that takes longer than
`SOFFICE_TIMEOUT_SECONDS` is killed with the office, which restarts on the next
request.
"""

import atexit
import contextlib
import fcntl
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings

from contracts.documents.converters import ConversionError

logger = logging.getLogger(__name__)

MAX_PROFILE_SLOTS = 64
# soffice.bin exits with this code after creating a fresh profile; the
# oosplash wrapper would start it again, and so does this module.
RESTART_EXIT_CODE = 81
STARTUP_POLL_SECONDS = 0.05
OSL_PIPE_DIR = Path("/tmp")  # noqa: S108 - where LibreOffice's pipes live


def soffice_binary() -> str | None:
    """Return soffice.bin beside the configured `soffice` script, or the path.

    Calling soffice.bin directly skips the oosplash wrapper, so the process
    this module starts (and may have to kill) is the office itself.
    """
    found = shutil.which(settings.SOFFICE_PATH)
    if not found:
        return None
    real = Path(found).resolve()
    sibling = real.with_name("soffice.bin")
    if real.name == "soffice" and sibling.is_file():
        return str(sibling)
    return str(real)


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


class _Office:
    """The headless office this process started, and the profile it holds."""

    def __init__(self):
        self.lock = threading.Lock()
        self.binary: str | None = None
        self.process: subprocess.Popen | None = None
        self.profile: Path | None = None
        self.pipe_name = ""
        self._slot_handle = None

    def forget(self) -> None:
        """Drop the parent's office and profile in a forked child (they stay its)."""
        self.lock = threading.Lock()
        self.binary = None
        self.process = None
        self.profile = None
        self._slot_handle = None

    def _claim_profile(self) -> Path:
        if self.profile is not None:
            return self.profile
        base = Path(tempfile.gettempdir()) / f"ozgecontract-soffice-{os.getuid()}"
        base.mkdir(mode=0o700, exist_ok=True)
        owner = base.lstat()
        if base.is_symlink() or owner.st_uid != os.getuid() or owner.st_mode & 0o077:
            # A folder another user made could feed the office their profile.
            raise ConversionError(f"{base} is not a private folder of this user.")
        for slot in range(MAX_PROFILE_SLOTS):
            handle = open(base / f"profile-{slot}.lock", "w")  # noqa: SIM115
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            # Held for the life of the process: no other process uses the slot.
            self._slot_handle = handle
            self.profile = base / f"profile-{slot}"
            self.profile.mkdir(mode=0o700, exist_ok=True)
            return self.profile
        raise ConversionError("No free LibreOffice profile slot.")

    def _profile_arg(self) -> str:
        return f"-env:UserInstallation={self.profile.as_uri()}"

    def _pipe_path(self) -> Path:
        return OSL_PIPE_DIR / f"OSL_PIPE_{os.getuid()}_{self.pipe_name}"

    def running(self, binary: str) -> bool:
        return (
            self.binary == binary
            and self.process is not None
            and self.process.poll() is None
        )

    def start(self, binary: str, timeout: float) -> None:
        self.stop()
        profile = self._claim_profile()
        keepalive = profile / "keepalive.txt"
        keepalive.write_text("OzgeContract keeps this office running.\n")
        self.binary = binary
        self.pipe_name = f"ozgecontract_{os.getpid()}_{profile.name}"
        args = [
            binary,
            self._profile_arg(),
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nolockcheck",
            f"--accept=pipe,name={self.pipe_name};urp;",
            str(keepalive),
        ]
        deadline = time.monotonic() + timeout
        for _attempt in range(3):
            self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            while time.monotonic() < deadline:
                if self._pipe_path().exists() and self.process.poll() is None:
                    logger.info(
                        "libreoffice started pid=%s profile=%s",
                        self.process.pid,
                        profile.name,
                    )
                    return
                if self.process.poll() is not None:
                    break
                time.sleep(STARTUP_POLL_SECONDS)
            if self.process.poll() != RESTART_EXIT_CODE:
                break
        code = self.process.poll()
        self.stop()
        raise ConversionError(
            f"LibreOffice did not start within {timeout:.0f} s (exit code {code})."
        )

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                _kill_group(self.process)
                logger.info("libreoffice stopped pid=%s", self.process.pid)
            # A killed office leaves its pipe behind; remove ours by name.
            with contextlib.suppress(OSError):
                self._pipe_path().unlink()
        self.process = None

    def convert(self, docx: bytes, timeout: float) -> bytes:
        with tempfile.TemporaryDirectory(prefix="ozgecontract-convert-") as tmp:
            source = Path(tmp, "document.docx")
            source.write_bytes(docx)
            outdir = Path(tmp, "out")
            client = subprocess.Popen(  # noqa: S603 - fixed arguments
                [
                    self.binary,
                    self._profile_arg(),
                    "--headless",
                    "--invisible",
                    "--nologo",
                    "--norestore",
                    "--convert-to",
                    "pdf:writer_pdf_Export",
                    "--outdir",
                    str(outdir),
                    str(source),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
            try:
                _out, err = client.communicate(timeout=timeout)
            except subprocess.TimeoutExpired as exc:
                _kill_group(client)
                raise ConversionError(
                    f"LibreOffice did not finish within {timeout:.0f} s."
                ) from exc
            pdf_path = outdir / "document.pdf"
            if client.returncode != 0 or not pdf_path.is_file():
                detail = err.decode("utf-8", "replace").strip()[-300:]
                raise ConversionError(
                    f"LibreOffice produced no PDF (exit code {client.returncode})"
                    + (f": {detail}" if detail else ".")
                )
            pdf = pdf_path.read_bytes()
        if not pdf.startswith(b"%PDF-") or b"%%EOF" not in pdf[-2048:]:
            raise ConversionError("LibreOffice produced an incomplete PDF.")
        return pdf


_office = _Office()
atexit.register(_office.stop)
os.register_at_fork(after_in_child=_office.forget)


class LibreOfficeConverter:
    name = "libreoffice"

    def convert(self, docx: bytes) -> bytes:
        binary = soffice_binary()
        if binary is None:
            raise ConversionError(
                f"LibreOffice is not installed ({settings.SOFFICE_PATH} not found)."
            )
        timeout = float(settings.SOFFICE_TIMEOUT_SECONDS)
        # One conversion at a time per office: it works through requests one
        # by one anyway, and a timeout must kill only the conversion it ended.
        with _office.lock:
            if not _office.running(binary):
                _office.start(binary, timeout)
            try:
                return _office.convert(docx, timeout)
            except ConversionError:
                # The office may be stuck on this document: start afresh next time.
                _office.stop()
                raise


def stop_office() -> None:
    """Stop this process's office, if it started one (tests and shutdown)."""
    with _office.lock:
        _office.stop()
