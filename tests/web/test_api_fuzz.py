"""Schemathesis over the whole OpenAPI document, against the in-process app.

Every operation gets a few generated requests, valid by the schema and invalid, each sent as
a program director or as a client through their portal token, against a small database
made with the factories (real tokens, a real site, client and staff member, so the path ids
sometimes exist). The checks: no 5xx, every status code documented, and the body and
headers of every answer as the document says. The examples are derandomized, so a run is
repeatable; any 5xx found here is fixed with its own regression test beside its domain.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from stepdown.app import create_app
from stepdown.kit.db import make_engine, make_sessionmaker
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from stepdown.settings import Settings
from tests import databases
from tests.factories import SYSTEM, make_client, make_episode, make_site, make_user

# A handful per operation and mode keeps the ~160 operations under two minutes on two cores.
EXAMPLES = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def _settings(var_dir: Path, url: str) -> Settings:
    return Settings(
        var_dir=var_dir,
        database_url=url,
        secret_key="test-secret-key-not-for-production",  # type: ignore[arg-type]
        jobs_backend="off",
        _env_file=None,  # type: ignore[call-arg]
    )


def _document() -> dict[str, Any]:
    """The OpenAPI document, read from an app that never opens its database."""
    app = create_app(_settings(Path("/nonexistent"), "sqlite:///:memory:"))
    return app.openapi()


SCHEMA = schemathesis.openapi.from_dict(_document())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@dataclass(frozen=True)
class World:
    app: FastAPI
    director: dict[str, str]
    client: dict[str, str]
    ids: dict[str, str]


def _bearer(session: Session, user_role: Role, **kwargs: Any) -> tuple[dict[str, str], Any]:
    user = make_user(session, role=user_role, **kwargs)
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username=user.username, name="fuzz"
    )
    return {"Authorization": f"Bearer {secret}"}, user


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A migrated SQLite file of its own (requests commit for real), with a site, a
    director, a clinician and a client who has a portal account and an open episode."""
    folder = tmp_path_factory.mktemp("fuzz")
    url = databases.sqlite_url(folder / "fuzz.db")
    databases.migrated(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with factory() as session:
        site = make_site(session)
        director, _ = _bearer(session, Role.DIRECTOR, site=site)
        account_headers, account = _bearer(session, Role.CLIENT, site=site)
        clinician = make_user(session, role=Role.CLINICIAN, site=site)
        person = make_client(session, site=site, clinician=clinician)
        person.portal_user_id = account.id
        make_episode(session, client=person)
        session.commit()
        ids = {
            "client_id": str(person.id),
            "site_id": str(site.id),
            "user_id": str(clinician.id),
        }
    app = create_app(_settings(folder / "var", url), session_factory=factory)
    yield World(app=app, director=director, client=account_headers, ids=ids)
    engine.dispose()


def _label(operation: Any) -> str:
    return f"{operation.method.upper()} {operation.path}"


def _strategy(operation: Any, mode: GenerationMode, ids: dict[str, str]) -> st.SearchStrategy[Any]:
    """Cases with generated path ids, and for valid cases also with the seeded ids."""
    generated = operation.as_strategy(generation_mode=mode)
    known = {p.name: ids[p.name] for p in operation.path_parameters if p.name in ids}
    if mode is GenerationMode.NEGATIVE or not known:
        return generated  # type: ignore[no-any-return]
    return st.one_of(generated, operation.as_strategy(generation_mode=mode, path_parameters=known))


def _has_input(operation: Any) -> bool:
    """Whether there is anything to make invalid (a bare GET has nothing)."""
    return bool(operation.path_parameters or operation.query or operation.body)


CASES = [
    pytest.param(operation, mode, id=f"{_label(operation)} {mode.value}")
    for operation in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or _has_input(operation)
]


@pytest.mark.parametrize(("operation", "mode"), CASES)
def test_operation_never_fails_and_answers_as_documented(
    world: World, operation: Any, mode: GenerationMode
) -> None:
    callers: list[dict[str, str]] = [world.director, world.client]

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation, mode, world.ids), caller=st.sampled_from(callers))
    def run(case: Any, caller: dict[str, str]) -> None:
        response = case.call(app=world.app, headers=caller)
        case.validate_response(response, checks=CHECKS, headers=caller)

    run()


def test_every_operation_is_fuzzed() -> None:
    """The document lists every JSON route (a route left out would escape the fuzzing)."""
    assert len(OPERATIONS) > 100
    paths = {o.path for o in OPERATIONS}
    assert all(p.startswith("/api/") for p in paths - {"/healthz"})
