"""Hypothesis profiles: `ci` (default: fast, derandomized) and `thorough`, chosen with
`pytest --hypothesis-profile=thorough`."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=60, derandomize=True, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile("ci")
