"""CSV cells: RFC 4180 quoting and spreadsheet-formula neutralisation."""

import csv
import io
from datetime import UTC, datetime

import pytest

from services.export_service import cell, csv_text


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 555", "'+1 555"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ada", "Ada"),
        ("a=b", "a=b"),
        (None, ""),
        (42, 42),
        (True, True),
        (datetime(2026, 12, 1, tzinfo=UTC), "2026-12-01T00:00:00+00:00"),
    ],
)
def test_cells(value: object, written: object) -> None:
    assert cell(value) == written


def test_quoting_follows_rfc_4180_and_reads_back() -> None:
    rows: list[list[object]] = [
        ["id", "name"],
        [1, 'Lovelace, "Ada"'],
        [2, "two\r\nlines"],
        [3, "=1+1"],
    ]
    text = csv_text(rows)
    assert text == ('id,name\r\n1,"Lovelace, ""Ada"""\r\n2,"two\r\nlines"\r\n3,\'=1+1\r\n')
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["id", "name"],
        ["1", 'Lovelace, "Ada"'],
        ["2", "two\r\nlines"],
        ["3", "'=1+1"],
    ]
