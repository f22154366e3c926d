from __future__ import annotations

import click

from workflows import mermaid_diagram

group = click.Group("workflow", help="Arbetsflödet för ansökningar.")


@group.command("diagram")
def diagram() -> None:
    """Print the state diagram (mermaid), drawn from the transition table."""
    click.echo(mermaid_diagram(), nl=False)
