"""Fuzzing the HTTP API from its OpenAPI schema (issue 15, "Done when"): no input gives a 5xx.

schemathesis reads ``/openapi.json`` of the app (every route in the schema: health, metrics, ``/api/ask``,
``/api/chat``, ``/chat``, the WeChat and WeCom callbacks, Open311) and sends generated requests, valid
and invalid by the schema, through the ASGI app in process. The number of cases is bounded
(:data:`EXAMPLES` per operation, no shrinking of a passing run) so the test stays well under a minute
on two cores; hypothesis's database is off, so a run does not depend on an earlier one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from bot.app import create_app
from bot.services import build_services
from core.clock import FrozenClock
from tests.bot.conftest import OA_PLAIN, WECOM
from tests.conftest import make_settings

EXAMPLES = 20
"""Generated requests per API operation (14 operations) and mode (valid and invalid by the schema)."""


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory, embeddings: Any) -> Iterator[Any]:
    """The app's OpenAPI schema, loaded from the app itself, with the app running (lifespan entered)."""
    tmp = tmp_path_factory.mktemp("fuzz")
    clock = FrozenClock(datetime(2026, 11, 29, 8, 0, tzinfo=UTC))
    svc = build_services(make_settings(tmp, **OA_PLAIN, **WECOM), clock=clock, embeddings=embeddings)
    app = create_app(services=svc)
    try:
        with TestClient(app):
            yield schemathesis.openapi.from_asgi("/openapi.json", app)
    finally:
        svc.close()


def _not_ready(case: Any, response: Any) -> bool:
    if case.formatted_path != "/readyz" or response.status_code != 503:
        return False
    body = response.json()
    return body["ready"] is False and body["checks"]["index"].startswith("empty")


def test_no_input_gives_a_server_error(api_schema: Any) -> None:
    failures: list[str] = []
    ran: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case: Any) -> None:
                response = case.call()
                if _not_ready(case, response):
                    return  # /readyz's 503 is its answer (an empty index here), with the reason
                if response.status_code >= 500:
                    failures.append(
                        f"{case.method} {case.formatted_path} {case.query} {case.body!r}: {response.status_code}"
                    )

            try:
                call()
            except Unsatisfiable:  # nothing to make invalid (no parameters, no body): the valid cases ran
                assert mode is GenerationMode.NEGATIVE, operation.label
            ran.append(f"{operation.label} {mode.value}")
    assert len(ran) >= 20  # every operation of the schema, both modes
    assert failures == []
