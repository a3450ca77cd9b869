"""The template tier: this repository as the copier template of new services (copier.yml).
Copies are made from the working tree, uncommitted changes included; none of these tests
touches the suite's PostgreSQL or Redis (the slow ones run a copy's own suite)."""

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/template/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.no_backing)
