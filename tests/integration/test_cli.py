"""The command-line tools on `flask --app wsgi`."""

from __future__ import annotations

import sqlalchemy as sa

from grants import create_app
from grants.db import session
from grants.demo import APPLICATIONS, POTS
from grants.models import (
    Application,
    AuditEvent,
    Decision,
    DecisionAmount,
    Municipality,
    Pot,
    User,
)
from grants.operations.finance import verify_ledger
from workflows import State, mermaid_diagram


def test_users_create_asks_for_the_password_and_stores_it_hashed(app) -> None:
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "Ny.Handlaggare@Region.se", "--name", "Ny",
              "--role", "officer", "--role", "decider"],
        input="ett-tillrackligt-langt-losenord\nett-tillrackligt-langt-losenord\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(sa.select(User).where(User.email == "ny.handlaggare@region.se"))
    assert user is not None and user.roles == {"officer", "decider"}
    assert "ett-tillrackligt-langt-losenord" not in user.password_hash
    assert user.check_password("ett-tillrackligt-langt-losenord")


def test_users_create_refuses_a_short_password_and_a_taken_email(app, make_user) -> None:
    runner = app.test_cli_runner()
    short = runner.invoke(args=["users", "create", "--email", "a@b.se", "--role", "officer"],
                          input="kort\nkort\n")
    assert short.exit_code != 0 and "minst 12 tecken" in short.output
    existing = make_user("officer")
    taken = runner.invoke(
        args=["users", "create", "--email", existing.email, "--role", "officer"],
        input="ett-langt-losenord-1\nett-langt-losenord-1\n",
    )
    assert taken.exit_code != 0 and "finns redan" in taken.output


def test_users_create_gives_a_reviewer_a_title_and_a_municipality(app) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "--email", "g@region.se", "--name", "Greta", "--role",
              "reviewer", "--title", "Utvecklingsledare", "--municipality", "1881"],
        input="ett-langt-losenord-1\nett-langt-losenord-1\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(sa.select(User).where(User.email == "g@region.se"))
    assert (user.title, user.municipality_code) == ("Utvecklingsledare", "1881")
    unknown = runner.invoke(
        args=["users", "create", "--email", "h@region.se", "--role", "reviewer",
              "--municipality", "9999"],
        input="ett-langt-losenord-1\nett-langt-losenord-1\n",
    )
    assert unknown.exit_code != 0 and "Okänd kommunkod: 9999" in unknown.output


def test_users_create_links_an_applicant_to_its_organisation(app, make_organisation) -> None:
    organisation = make_organisation()
    session.commit()
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "s@org.se", "--role", "applicant",
              "--org-number", organisation.org_number.replace("-", "")],
        input="ett-langt-losenord-1\nett-langt-losenord-1\n",
    )
    assert result.exit_code == 0, result.output
    assert session.scalar(sa.select(User).where(User.email == "s@org.se")).organisation_id == (
        organisation.id
    )
    bad = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "t@org.se", "--role", "applicant",
              "--org-number", "123456-7890"],
        input="ett-langt-losenord-1\nett-langt-losenord-1\n",
    )
    assert bad.exit_code != 0 and "kontrollsiffran" in bad.output


def test_demo_seed_adds_every_state_once_with_real_history(app) -> None:
    session.execute(sa.delete(Pot))  # the demo brings its own pots (the test app opens some)
    session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "pilotfonden-demo" in first.output
    states = set(session.scalars(sa.select(Application.state)))
    assert states == {s.value for s in State}
    assert {p.year: p.reserved for p in session.scalars(sa.select(Pot))} == POTS
    assert sum(POTS.values()) == 800_608
    # One event per creation and per step, besides the case events on the way (Dnr, screening,
    # reviewers, jäv declarations, reviews) that change no state.
    state_changes = session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent)
        .where((AuditEvent.from_state != AuditEvent.to_state) | (AuditEvent.trigger == "create"))
    )
    # Afterwards one demo pilot is cancelled (a state change) and one amended (none).
    assert state_changes == len(APPLICATIONS) + sum(len(steps) for *_, steps in APPLICATIONS) + 1
    assert session.scalar(sa.select(sa.func.count()).select_from(Decision).where(
        Decision.kind != "decision")) == 2
    originals = session.scalar(sa.select(sa.func.sum(DecisionAmount.amount)).join(Decision)
                               .where(Decision.kind == "decision")) or 0
    assert originals > 0
    assert sum(p.committed for p in session.scalars(sa.select(Pot))) == originals
    assert verify_ledger() == []
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0 and "finns redan" in second.output
    assert session.scalar(sa.select(sa.func.count()).select_from(Application)) == len(APPLICATIONS)


def test_workflow_diagram_prints_the_mermaid_diagram(app) -> None:
    result = app.test_cli_runner().invoke(args=["workflow", "diagram"])
    assert result.exit_code == 0
    assert result.output == mermaid_diagram()
    assert "stateDiagram-v2" in result.output


def test_db_upgrade_migrates_an_empty_database_and_adds_the_municipalities(tmp_path) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/new.sqlite3"})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        names = set(session.scalars(sa.select(Municipality.name)))
        assert len(names) == 12 and {"Örebro", "Hällefors", "Laxå"} <= names
        session.rollback()  # end this read: on SQLite every transaction holds the write lock
        again = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert again.exit_code == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(Municipality)) == 12
        session.remove()
    app.extensions["pilotfonden.engine"].dispose()
