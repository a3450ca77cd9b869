"""The local-disk store: only its own names, atomic commits, nothing left by a failed stage."""

import os
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from config import Settings
from services.storage import (
    INCOMING,
    STALE_STAGED,
    LocalDiskStore,
    check_uploads,
    sweep_staged,
    valid_name,
)

NAME = "0123456789abcdef0123456789abcdef.png"


def listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


async def test_a_committed_file_appears_whole_under_its_name(tmp_path: Path) -> None:
    store = LocalDiskStore(tmp_path)
    async with store.stage() as staged:
        await staged.write(b"abc")
        await staged.write(b"def")
        assert listing(tmp_path) != [NAME]  # staged: not visible under its name yet
        await staged.commit(NAME)
    assert listing(tmp_path) == [NAME]
    assert await store.read(NAME) == b"abcdef"


async def test_a_stage_left_by_an_error_leaves_nothing(tmp_path: Path) -> None:
    store = LocalDiskStore(tmp_path)
    with pytest.raises(RuntimeError):
        async with store.stage() as staged:
            await staged.write(b"half a file")
            raise RuntimeError("the client went away")
    assert listing(tmp_path) == []


@pytest.mark.parametrize(
    "name",
    [
        "../secret.png",
        "/etc/passwd",
        "sub/" + NAME,
        NAME.upper(),
        NAME + "\x00",
        ".incoming",
        "x.png",
        NAME.replace(".png", ""),
        "",
    ],
)
async def test_only_its_own_names_are_read(tmp_path: Path, name: str) -> None:
    (tmp_path / "secret.png").write_bytes(b"outside")
    store = LocalDiskStore(tmp_path / "store")
    assert not valid_name(name)
    assert await store.read(name) is None
    with pytest.raises(ValueError):
        async with store.stage() as staged:
            await staged.write(b"x")
            await staged.commit(name)
    assert listing(tmp_path / "store") == []


def test_a_start_sweeps_what_killed_workers_staged_and_nothing_else(tmp_path: Path) -> None:
    incoming = tmp_path / INCOMING
    incoming.mkdir()
    left, current = incoming / "left.part", incoming / "current.part"
    kept = tmp_path / NAME
    for path in (left, current, kept):
        path.write_bytes(b"x")
    old = time.time() - STALE_STAGED - 60
    for path in (left, kept):
        os.utime(path, (old, old))
    assert sweep_staged(tmp_path) == 1
    assert listing(tmp_path) == [f"{INCOMING}/current.part", NAME]


def test_the_start_check_sweeps(tmp_path: Path) -> None:
    """check_uploads (run by scripts.serve before the workers) is what calls sweep_staged."""
    (tmp_path / INCOMING).mkdir()
    left = tmp_path / INCOMING / "left.part"
    left.write_bytes(b"x")
    old = time.time() - STALE_STAGED - 60
    os.utime(left, (old, old))
    check_uploads(
        Settings(
            database_url=SecretStr("postgresql://u@db/app"),
            redis_url=SecretStr("redis://r/0"),
            upload_path=str(tmp_path),
            _env_file=None,  # type: ignore[call-arg]
        )
    )
    assert not left.exists()
