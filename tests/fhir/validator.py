"""Run ``fhir-validator/validate.js`` (FHIR.js, the R4 definitions, offline) over resources."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

FOLDER = Path(__file__).resolve().parents[2] / "fhir-validator"


def validate(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each resource's result; skips the test when node or the validator's packages are
    missing (``npm ci`` in fhir-validator/ installs them)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("FHIR validation skipped: node is not installed")
    if not (FOLDER / "node_modules" / "fhir").is_dir():
        pytest.skip("FHIR validation skipped: run `npm ci` in fhir-validator/ first")
    run = subprocess.run(
        [node, str(FOLDER / "validate.js")],
        input=json.dumps(resources),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode in (0, 1), run.stderr
    results: list[dict[str, Any]] = json.loads(run.stdout)["results"]
    return results


def errors(results: list[dict[str, Any]]) -> list[str]:
    return [
        f"{r['resourceType']}/{r.get('id')}: {m['location']}: {m['message']}"
        for r in results
        for m in r["messages"]
        if m["severity"] in ("error", "fatal")
    ]
