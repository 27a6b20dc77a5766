"""``stepdown assess``: readable output on success, one ``error:`` line and exit 2 otherwise."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from stepdown.assessments.cli import app

runner = CliRunner()


def test_list_shows_every_instrument() -> None:
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0
    for code in ("phq9", "gad7", "audit", "auditc", "dast10", "bam", "cssrs"):
        assert f"{code} " in result.stdout
    assert "zone III 16-19" in result.stdout
    assert "women negative 0-2; positive 3-12" in result.stdout


def test_score_prints_total_band_flags_and_safety_line() -> None:
    """Kroenke 2001: eight items at 1 and item 9 at 2 make 10, moderate, with item 9 > 0."""
    result = runner.invoke(app, ["score", "PHQ-9", "--answers", "1,1,1,1,1,1,1,1,2"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "PHQ-9: total 10 of 27, moderate",
        "flags: phq9_item9_positive, phq9_screen_positive",
        "SAFETY: a same-day safety assessment is needed",
    ]


def test_score_bam_prints_subscales() -> None:
    result = runner.invoke(app, ["score", "bam", "--answers", "2,3,1,2,1,0,2,3,1,1,2,3,4,1,2,4"])
    assert result.exit_code == 0
    assert "subscales: use 3, risk 10, protective 15" in result.stdout


def test_score_cssrs_prints_risk() -> None:
    result = runner.invoke(app, ["score", "cssrs", "--answers", "1,1,0,0,0,1"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "C-SSRS screener: moderate risk"


def test_score_audit_c_uses_sex() -> None:
    """Bradley 2007: 3 is positive for a woman."""
    result = runner.invoke(app, ["score", "audit-c", "--answers", "1,1,1", "--sex", "female"])
    assert result.exit_code == 0
    assert "total 3 of 12, positive" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["score", "phq9", "--answers", "1,1,1,,1,1,1,1,1"], "error: item 4: missing"),
        (["score", "phq9", "--answers", "1,1,1"], "error: item 4: missing"),
        (
            ["score", "gad7", "--answers", "0,0,4,0,0,0,0"],
            "error: item 3: 4 is not one of 0, 1, 2, 3",
        ),
        (["score", "gad7", "--answers", "0,x"], "error: item 2: 'x' is not a whole number"),
        (
            ["score", "bam", "--answers", "0,0,0,0,0,0,x"],
            "error: item 8: 'x' is not a whole number",
        ),
        (
            ["score", "beck", "--answers", "1"],
            "error: unknown instrument 'beck' "
            "(known: phq9, gad7, audit, auditc, dast10, bam, cssrs)",
        ),
        (
            ["score", "auditc", "--answers", "1,1,1"],
            "error: sex: missing (the AUDIT-C cut-off depends on it)",
        ),
        (
            ["score", "auditc", "--answers", "1,1,1", "--sex", "x"],
            "error: sex: 'x' is not one of female, male",
        ),
    ],
    ids=[
        "blank",
        "short",
        "out-of-range",
        "not-a-number",
        "bam-numbering",
        "unknown",
        "no-sex",
        "bad-sex",
    ],
)
def test_invalid_input_exits_2_with_one_error_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == message + "\n"


@pytest.mark.parametrize(
    "answer",
    ["0_1", "\uff11", "\u0663", "+1", "1\u00a0", "1 1"],
    ids=["underscore", "full-width", "arabic-indic", "plus-sign", "no-break-space", "two-numbers"],
)
def test_answers_are_ascii_digits_only(answer: str) -> None:
    """``int`` reads each of these as a number; the CLI must refuse them, not score them."""
    result = runner.invoke(app, ["score", "gad7", "--answers", f"0,{answer},0,0,0,0,0"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: item 2: {answer!r} is not a whole number\n"


@pytest.mark.parametrize("answers", ["0,1,2", "0, 1, 2", " 0 ,1 , 2 "])
def test_plain_ascii_answers_still_score(answers: str) -> None:
    """Plain spaces around an answer are layout, not part of it."""
    result = runner.invoke(app, ["score", "auditc", "--answers", answers, "--sex", "female"])
    assert result.exit_code == 0, result.stderr
    assert "total 3 of 12, positive" in result.stdout
