"""The JSON Schema of story.yaml: printed by `storyboard schema`, kept in docs/."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from storyboard._scaffold import json_schema
from storyboard.cli import app

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "docs" / "story.schema.json"


def test_schema_command_prints_the_schema() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    assert printed == json_schema()
    assert set(printed["properties"]) >= {"storyboard", "title", "scenes", "export"}
    assert printed["additionalProperties"] is False


def test_the_schema_in_docs_is_up_to_date() -> None:
    stored = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert stored == json_schema(), "regenerate with: storyboard schema > docs/story.schema.json"
