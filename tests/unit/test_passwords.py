"""The password and name rules of signup and PATCH /users/me (models/user.py)."""

import re

import pytest

from models.base import NAME_PATTERN, clean_name
from models.user import PASSWORD_PATTERN, strong_password


@pytest.mark.parametrize("password", ["Analytical1", "Aa345678", "Ünïcode-Pass9"])
def test_strong_passwords_pass(password: str) -> None:
    assert strong_password(password) == password


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Sh0rt", "at least 8"),
        ("alllowercase1", "uppercase"),
        ("ALLUPPERCASE1", "lowercase"),
        ("NoDigitsHere", "digit"),
    ],
)
def test_weak_passwords_name_the_rule(password: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        strong_password(password)


def test_names_are_stripped_and_refuse_markup_and_controls() -> None:
    assert clean_name("  Ada Lovelace ") == "Ada Lovelace"
    for bad in ("", "   ", "\ufeff", "<b>Ada</b>", "a\x85b", "a\nb", "\u00a0"):
        with pytest.raises(ValueError):
            clean_name(bad)


@pytest.mark.parametrize(
    "value",
    [
        "Ada",
        " Ada ",
        "\ufeffAda",
        "a\u00a0b",
        "Ω",
        "",
        " ",
        "\ufeff",
        "<",
        "a>b",
        "a\x85",
        "\x7f",
        "\t",
        "x\u2028y",
        "\u3000",
    ],
)
def test_the_name_rule_and_its_documented_pattern_agree(value: str) -> None:
    """Schemathesis checks the document against the behaviour: they must not differ."""
    try:
        clean_name(value)
        accepted = True
    except ValueError:
        accepted = False
    assert accepted == bool(re.fullmatch(NAME_PATTERN, value)), repr(value)


@pytest.mark.parametrize(
    "value",
    [
        "Analytical1",
        "analytical1",
        "ANALYTICAL1",
        "Analytical",
        "Ab1",
        "Ab1\n\n\n\n\n",
        "Äbcdefg1",
        "abcdefG\u0661",
    ],
)
def test_the_password_rule_and_its_documented_pattern_agree(value: str) -> None:
    try:
        strong_password(value)
        accepted = len(value) <= 128
    except ValueError:
        accepted = False
    assert accepted == bool(re.fullmatch(PASSWORD_PATTERN, value)), repr(value)
