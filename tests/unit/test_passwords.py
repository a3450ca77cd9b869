"""The password and name rules of signup and PATCH /users/me (models/user.py)."""

import pytest

from models.user import clean_name, strong_password


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


def test_names_lose_their_tags_and_must_keep_something() -> None:
    assert clean_name(" <b>Ada</b> Lovelace ") == "Ada Lovelace"
    for bad in ("", "   ", "<script></script>", "x" * 101):
        with pytest.raises(ValueError):
            clean_name(bad)
