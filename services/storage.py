"""Where uploaded files live: a small interface, and the local-disk store behind it.

A file is staged first (written under a temporary name while it arrives and is checked), then
committed under its final name in one atomic step, or discarded when anything goes wrong: no
reader ever sees half a file, and a rejected, failed or interrupted upload leaves nothing
behind. An S3-compatible store fits the same three steps (a multipart upload: create, upload
parts, complete or abort): a class with this one's methods, built in containers.py instead.
"""

import os
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from pathlib import Path
from typing import Any, Optional, Protocol

import aiofiles
import aiofiles.os

from config import Settings
from services.connectivity import StartupError
from services.content_types import check_extensions, check_libmagic

# The only names a store takes: a uuid (hex) and an extension, as its callers make them.
# Anything else, from "../x" to "/etc/passwd", is not a file of ours: no path is ever built
# from a client's text.
NAME = re.compile(r"[0-9a-f]{32}\.[a-z0-9]{1,10}")
INCOMING = ".incoming"  # staged files: inside the root, so the rename stays on one filesystem


def check_writable(root: Path, setting: str = "UPLOAD_PATH") -> None:
    """At start: the directory exists (or is made) and files can be staged in it."""
    try:
        (root / INCOMING).mkdir(parents=True, exist_ok=True)
        probe = root / INCOMING / f"probe-{uuid.uuid4().hex}"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise StartupError(f"{setting}: {root} cannot be written ({exc.strerror})") from None


# A staged file this old is no upload in progress: its worker was killed (SIGKILL, OOM) before
# it could discard it. Swept at each server start; a day leaves any real upload alone.
STALE_STAGED = 24 * 3600


def sweep_staged(root: Path, older_than: float = STALE_STAGED) -> int:
    """At start: delete what killed workers left in .incoming/; returns how many files."""
    swept, cutoff = 0, time.time() - older_than
    for path in (root / INCOMING).glob("*.part"):
        with suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
                swept += 1
    return swept


def check_uploads(settings: Settings) -> None:
    """At start, one line naming what is wrong: libmagic missing, an extension that cannot be
    checked, an UPLOAD_PATH that cannot be written. Then staged files of killed workers go."""
    check_libmagic()
    check_extensions(settings.allowed_extensions)
    check_writable(Path(settings.upload_path))
    sweep_staged(Path(settings.upload_path))


def valid_name(name: str) -> bool:
    return NAME.fullmatch(name) is not None


class StagedFile(Protocol):
    size: int  # bytes written so far

    async def write(self, chunk: bytes) -> None: ...

    async def commit(self, name: str) -> None:
        """Publish the file under `name`, atomically; without it, leaving stage() discards it."""


class FileStore(Protocol):
    def stage(self) -> AbstractAsyncContextManager[StagedFile]: ...

    async def read(self, name: str) -> Optional[bytes]:
        """The file's bytes; None for a name that is not a committed file."""

    async def delete(self, name: str) -> None: ...


class _LocalStagedFile:
    def __init__(self, handle: Any, temp: Path, root: Path) -> None:
        self._handle = handle
        self._temp = temp
        self._root = root
        self.size = 0
        self.committed = False

    async def write(self, chunk: bytes) -> None:
        await self._handle.write(chunk)
        self.size += len(chunk)

    async def commit(self, name: str) -> None:
        if not valid_name(name):
            raise ValueError(f"not a store name: {name!r}")
        await self._handle.flush()
        await aiofiles.os.wrap(os.fsync)(self._handle.fileno())  # on disk before it is visible
        await self._handle.close()
        await aiofiles.os.replace(self._temp, self._root / name)
        self.committed = True


class LocalDiskStore:
    """Files in one directory (UPLOAD_PATH), staged in its .incoming/ subdirectory. Several
    workers, or replicas sharing the directory (a volume), see the same files."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._incoming = self.root / INCOMING

    @asynccontextmanager
    async def stage(self) -> AsyncIterator[_LocalStagedFile]:
        await aiofiles.os.makedirs(self._incoming, exist_ok=True)
        temp = self._incoming / f"{uuid.uuid4().hex}.part"
        handle = await aiofiles.open(temp, "xb")
        staged = _LocalStagedFile(handle, temp, self.root)
        try:
            yield staged
        finally:
            if not staged.committed:
                await handle.close()
                with suppress(FileNotFoundError):
                    await aiofiles.os.remove(temp)

    async def read(self, name: str) -> Optional[bytes]:
        if not valid_name(name):
            return None
        try:
            async with aiofiles.open(self.root / name, "rb") as handle:
                data: bytes = await handle.read()
                return data
        except (FileNotFoundError, IsADirectoryError):
            return None

    async def delete(self, name: str) -> None:
        if valid_name(name):
            with suppress(FileNotFoundError):
                await aiofiles.os.remove(self.root / name)
