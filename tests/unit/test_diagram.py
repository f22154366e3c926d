"""The state diagram is drawn from the table, and the README's copy is the current one."""

from __future__ import annotations

import re
from pathlib import Path

from workflows import TRANSITIONS, mermaid_diagram

README = Path(__file__).resolve().parents[2] / "README.md"


def test_diagram_has_every_transition_of_the_table() -> None:
    diagram = mermaid_diagram()
    assert diagram.lstrip("-\n").splitlines()
    edges: dict[str, set[str]] = {}
    for line in diagram.splitlines():
        if " --> " in line and ": " in line:
            edge, triggers = line.strip().split(": ", 1)
            edges[edge] = set(triggers.split(" | "))  # two triggers on one edge share a line
    for t in TRANSITIONS:
        for source in t.sources:
            assert t.trigger in edges.get(f"{source.value} --> {t.dest.value}", set())


def test_readme_diagram_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- diagram:start -->\n```mermaid\n(.*?)```\n<!-- diagram:end -->", text,
                      re.DOTALL)
    assert match, "README.md must hold the diagram between <!-- diagram:start/end --> markers"
    assert match.group(1) == mermaid_diagram(), (
        "README.md's diagram is stale: paste the output of `flask --app wsgi workflow diagram`"
    )
