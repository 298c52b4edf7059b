"""The HTTP API fuzzed from its own OpenAPI schema with schemathesis (issue 14, item 15).

Requests generated from ``/api/openapi.json`` (valid and invalid bodies, wrong types,
odd strings) against the real app on the real index: never a 5xx, every response as the
schema says, and every error JSON ``{"detail": "tiếng Việt / English"}``. Bounded:
at most ``MAX_EXAMPLES`` requests in all, the same ones on every run.
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

import app as webapp
from kernel.settings import ServerSettings

MAX_EXAMPLES = 100  # generated requests in all
CALLS: Counter[str] = Counter()


@pytest.fixture(scope="module")
def api_schema(index_settings, assistant):
    server = ServerSettings.model_validate(
        {**index_settings.server.model_dump(), "rate_limit_per_minute": 0}
    )
    app, _ = webapp.create_server(index_settings.model_copy(update={"server": server}), assistant)
    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


def json_errors_only(ctx, response, case) -> None:
    """Every 4xx/5xx is JSON with a bilingual ``detail``; and nothing is a server error."""
    CALLS[f"{case.method} {case.path} {response.status_code}"] += 1
    assert response.status_code < 500, response.text[:300]
    if response.status_code >= 400:
        assert response.headers["content-type"][0].startswith("application/json")
        detail = response.json()["detail"]
        assert isinstance(detail, str) and " / " in detail, detail


# (operation, generation mode, examples): valid bodies, and bodies that break the schema.
PLAN = [
    ("/api/ask", "POST", GenerationMode.POSITIVE, MAX_EXAMPLES // 2),
    ("/api/ask", "POST", GenerationMode.NEGATIVE, MAX_EXAMPLES // 2),
    ("/api/health", "GET", GenerationMode.POSITIVE, 3),
]


@pytest.mark.parametrize(("path", "method", "mode", "examples"), PLAN)
def test_api_from_its_schema(api_schema, path: str, method: str, mode, examples: int) -> None:
    # schemathesis's own pytest plugin needs an older pytest (request.node._nodeid), so its
    # strategies drive a plain hypothesis test here.
    strategy = api_schema[path][method].as_strategy(generation_mode=mode)

    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,  # the same examples on every run: a failure can be replayed
        database=None,
    )
    def run(case) -> None:
        case.call_and_validate(additional_checks=[json_errors_only])

    run()


def test_fuzzing_ran_and_is_reported() -> None:
    """How many requests the fuzzing sent, by operation and status (printed with ``-s``)."""
    total = sum(CALLS.values())
    print(f"\nschemathesis: {total} requests", *sorted(CALLS.items()), sep="\n  ")
    assert 0 < total <= MAX_EXAMPLES + 3
    assert any(k.startswith("POST /api/ask 200") for k in CALLS), CALLS
    assert any(k.startswith("POST /api/ask 4") for k in CALLS), CALLS
