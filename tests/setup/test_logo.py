"""The program's logo: checked on upload, served to printouts, printed on the aftercare plan."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader
from sqlalchemy.orm import Session

from stepdown.kit.errors import Invalid
from stepdown.programs import rules
from stepdown.programs import service as programs_service
from stepdown.programs.card import ProgramCard
from stepdown.security.roles import Role
from tests.factories import SYSTEM, csrf_from, make_user, sign_in


def _image(kind: str = "PNG", size: tuple[int, int] = (120, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(out, format=kind)
    return out.getvalue()


def test_png_and_jpeg_are_accepted_with_their_size() -> None:
    assert rules.check_logo(_image()) == ("image/png", 120, 40)
    assert rules.check_logo(_image("JPEG", (50, 50))) == ("image/jpeg", 50, 50)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "choose an image"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "image that can be read"),
        (b"GIF89a not really", "image that can be read"),
        (_image("GIF"), "PNG or JPEG"),
        (_image(size=(2400, 10)), "2000 on a side"),
        (b"x" * (rules.LOGO_MAX_BYTES + 1), "the most is 256 KB"),
    ],
)
def test_what_is_not_a_usable_logo_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(Invalid, match=message) as refused:
        rules.check_logo(data)
    assert refused.value.field == "logo"


def test_an_administrator_uploads_and_removes_the_logo(
    client: TestClient, session: Session
) -> None:
    programs_service.create_program(
        session, actor=SYSTEM, name="Harbor", time_zone="America/Chicago"
    )
    admin = make_user(session, role=Role.ADMIN)
    session.commit()
    sign_in(client, admin.username)
    token = csrf_from(client.get("/setup/program").text)
    assert client.get("/program/logo").status_code == 404
    refused = client.post(
        "/setup/program/logo",
        data={"csrf_token": token},
        files={"logo": ("logo.png", b"not an image", "image/png")},
    )
    assert refused.status_code == 422
    assert "image that can be read" in refused.text
    logo = _image()
    saved = client.post(
        "/setup/program/logo",
        data={"csrf_token": token},
        files={"logo": ("logo.png", logo, "image/png")},
    )
    assert saved.status_code == 200
    assert 'src="/program/logo"' in saved.text
    served = client.get("/program/logo")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.content == logo
    client.post("/setup/program/logo/remove", data={"csrf_token": token})
    assert client.get("/program/logo").status_code == 404


def test_the_aftercare_plan_prints_the_logo() -> None:
    from stepdown.aftercare import pdf
    from stepdown.kit.pdf import Document

    doc = Document("t", sizes=pdf.SIZES)
    doc.logo(_image())
    doc.title("My aftercare plan")
    reader = PdfReader(io.BytesIO(doc.bytes()))
    assert len(reader.pages[0].images) == 1


def test_the_card_carries_the_logo() -> None:
    card = ProgramCard(name="H", phone="", address="", time_zone="UTC", initialised=True)
    assert card.logo is None
    assert replace(card, logo=b"x", logo_type="image/png").logo == b"x"
