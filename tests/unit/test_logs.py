"""Log lines: whole, short enough to stay atomic on a pipe, and free of exception messages."""

import os

import asyncpg
import orjson

from observability.logs import MAX_LINE, LineWriter, describe, fit, traceback_text

ROW = "Failing row contains (7, ada@example.com, $argon2id$v=19$m=65536,t=3,p=4$c2FsdA)"


def raise_from_database() -> BaseException:
    try:
        try:
            raise asyncpg.NotNullViolationError(ROW)
        except asyncpg.PostgresError as exc:
            raise RuntimeError(f"wrapped: {exc}") from exc
    except RuntimeError as exc:
        return exc


def test_exceptions_are_described_without_their_message() -> None:
    exc = raise_from_database()
    described = describe(exc)
    assert described == {
        "error": "RuntimeError",
        "cause": "asyncpg.exceptions.NotNullViolationError",
    }
    text = traceback_text(exc)
    assert "NotNullViolationError (SQLSTATE 23502)" in text and "raise_from_database" in text
    assert "argon2" not in text and "Failing row" not in text  # source lines only, no messages


def test_messages_of_programming_errors_are_kept() -> None:
    try:
        None.missing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "missing" in describe(exc)["message"]


def test_a_long_line_is_cut_to_fit_one_atomic_write() -> None:
    event = {"event": "unhandled_exception", "traceback": "frame\n" * 5000, "request_id": "r"}
    line = fit(event)
    assert len(line) <= MAX_LINE
    parsed = orjson.loads(line)
    assert parsed["truncated"] is True and parsed["request_id"] == "r"
    assert parsed["traceback"].startswith("frame") and parsed["traceback"].endswith("frame\n")


def test_many_small_values_still_fit() -> None:
    event = {f"k{i}": "v" * 40 for i in range(200)}
    assert len(fit(event)) <= MAX_LINE
    orjson.loads(fit(event))


def test_lines_of_several_processes_never_interleave_on_a_pipe() -> None:
    """Two processes write long lines (up to the limit) through their own LineWriter into one
    pipe, as workers share stdout; every line read back is whole."""
    read, write = os.pipe()
    lines = {
        who: [
            orjson.dumps({"who": who, "i": i, "pad": "x" * (i * 97 % (MAX_LINE - 60))}) + b"\n"
            for i in range(300)
        ]
        for who in ("a", "b")
    }
    children = []
    for who in lines:
        pid = os.fork()
        if pid == 0:  # the child: write its lines in odd-sized pieces, then leave
            os.close(read)
            writer, data = LineWriter(write), b"".join(lines[who])
            for start in range(0, len(data), 7777):
                writer.write(data[start : start + 7777])
            os._exit(0)
        children.append(pid)
    os.close(write)
    received = b""
    while chunk := os.read(read, 65536):
        received += chunk
    os.close(read)
    for pid in children:
        os.waitpid(pid, 0)
    got = received.splitlines(keepends=True)
    assert sorted(got) == sorted(lines["a"] + lines["b"])
