"""The unit tier: the app's own logic imported and called directly, no server, no PostgreSQL,
no Redis. Everything here runs in well under a second."""

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/unit/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.no_backing)
