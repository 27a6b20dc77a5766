"""Descriptors come only from the program's own licensed file: parsed strictly, shown
beside the code on the charges page when configured, and absent otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.billing import charges, descriptors
from stepdown.kit.errors import Invalid
from tests.billing.factories import appointment_with_note, make_world
from tests.factories import sign_in

# A made-up descriptor: the test must not ship licensed wording either.
LICENSED = "code,descriptor\n90834,Example licensed wording for this code\n"


def test_a_licensed_file_is_parsed_strictly(tmp_path: Path) -> None:
    assert descriptors.parse(LICENSED) == {"90834": "Example licensed wording for this code"}
    with pytest.raises(Invalid, match="line 2"):
        descriptors.parse("code,descriptor\nnot a code,words\n")
    with pytest.raises(Invalid, match="line 1"):
        descriptors.parse("90834\n")
    assert descriptors.load(None) == {}
    assert descriptors.load(tmp_path / "missing.csv") == {}


@pytest.mark.parametrize("configured", [True, False], ids=["with-file", "without"])
def test_the_charges_page_shows_a_descriptor_only_from_the_file(
    client: TestClient, session: Session, tmp_path: Path, configured: bool
) -> None:
    world = make_world(session)
    appointment_with_note(session, world, minutes=45)
    charges.compute_week(session, actor=world.biller, week_of=world.monday)
    session.commit()
    if configured:
        path = tmp_path / "licensed.csv"
        path.write_text(LICENSED, encoding="utf-8")
        client.app.state.settings = client.app.state.settings.model_copy(  # type: ignore[attr-defined]
            update={"code_descriptors_file": path}
        )
    sign_in(client, world.billing.username)
    page = client.get(f"/billing?week={world.monday.isoformat()}").text
    assert "90834" in page
    assert ("Example licensed wording for this code" in page) is configured
