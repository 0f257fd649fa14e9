"""Hypothesis profiles: `ci` (default: fast, derandomized) and `thorough`, chosen with
`pytest --hypothesis-profile=thorough`; and the `slow` marker on console-script and browser tests.

Plain `pytest` runs everything, slow tests included (that is what CI runs); `pytest -m "not slow"`
is the quick loop while editing.
"""

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=60, derandomize=True, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile("ci")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that run the console script in a subprocess (the ``run`` fixture of tests/cli) or drive
    a browser are slow by nature: mark them so ``-m "not slow"`` leaves them out."""
    for item in items:
        if "run" in getattr(item, "fixturenames", ()) or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
