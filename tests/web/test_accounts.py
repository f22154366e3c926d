"""Accounts: logging out of every browser (oneself, or an administrator for someone), a new
password ending the other sessions, and the administrator's page of people where roles and
status change, each change logged with who, when, before, after and why. The guards keep the
fund from locking itself out of its own administration."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from grants.db import RecordIsAppendOnly, session
from grants.models import AccountChange, User
from grants.operations.accounts import change_account
from grants.operations.errors import InvalidInput
from grants.operations.users import reset_password
from tests.conftest import csrf_token, login
from tests.web.conftest import Element, error_summary, page
from tests.web.test_query_counts import counting_queries

NEW_PASSWORD = "tre-nya-ord-i-kumla"


def is_logged_in(client: Any) -> bool:
    response = client.get("/konto")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/logga-in")
        return False
    assert response.status_code == 200
    return True


def changes_for(person: User) -> list[AccountChange]:
    session.expire_all()
    return list(session.scalars(
        sa.select(AccountChange).where(AccountChange.user_id == person.id)
        .order_by(AccountChange.id)))


def save_account(client: Any, person: User, *, roles: list[str], active: bool,
                 reason: str) -> Any:
    token = csrf_token(client, f"/admin/anvandare/{person.id}")
    data: dict[str, Any] = {"csrf_token": token, "roles": roles, "reason": reason}
    if active:
        data["active"] = "y"
    return client.post(f"/admin/anvandare/{person.id}", data=data)


# Logging out everywhere -----------------------------------------------------------------------


def test_logging_out_everywhere_ends_every_session_of_the_person_and_is_logged(
    make_user, signed_in
) -> None:
    person = make_user("applicant")
    laptop, phone = signed_in(person), signed_in(person)
    other = signed_in(make_user("applicant"))
    token = csrf_token(laptop, "/konto")

    response = laptop.post("/konto/logga-ut-overallt", data={"csrf_token": token})

    assert response.status_code == 302 and response.headers["Location"] == "/logga-in"
    assert not is_logged_in(laptop)
    assert not is_logged_in(phone)
    assert is_logged_in(other)  # only that person's sessions
    [change] = changes_for(person)
    assert (change.kind, change.actor_id) == ("sessions_ended", person.id)
    assert change.after["session_version"] == change.before["session_version"] + 1
    # Logging in again works, and the new session holds.
    assert login(phone, person).status_code == 302
    assert is_logged_in(phone)


def test_logging_out_everywhere_needs_the_csrf_token(make_user, signed_in) -> None:
    person = make_user("applicant")
    client = signed_in(person)

    response = client.post("/konto/logga-ut-overallt", data={})

    assert response.status_code == 400
    assert is_logged_in(client)
    assert changes_for(person) == []


def test_a_new_password_logs_the_person_out_of_every_other_browser(
    make_user, signed_in
) -> None:
    person = make_user("applicant")
    stolen = signed_in(person)

    reset_password(person, NEW_PASSWORD)
    session.commit()

    assert not is_logged_in(stolen)


def test_the_own_account_page_shows_the_roles_and_the_history(make_user, signed_in) -> None:
    person = make_user("officer", "decider")
    client = signed_in(person)

    doc = page(client.get("/konto"))

    assert "beslutsfattare, handläggare" in doc.text
    assert "Logga ut på alla enheter" in doc.text
    assert "Inga ändringar av kontot." in doc.text


# The administrator's page of people -----------------------------------------------------------


def test_the_administrator_deactivates_someone_who_is_logged_out_at_once_and_cannot_log_in(
    make_user, signed_in
) -> None:
    admin, person = make_user("admin"), make_user("applicant")
    person_browser = signed_in(person)
    admin_browser = signed_in(admin)

    response = save_account(admin_browser, person, roles=["applicant"], active=False,
                            reason="Har slutat på föreningen.")

    assert response.status_code == 302
    assert not is_logged_in(person_browser)
    refused = login(person_browser, person)
    assert refused.status_code == 422
    assert "Kontot är avstängt" in refused.get_data(as_text=True)
    [change] = changes_for(person)
    assert (change.kind, change.actor_id, change.reason) == (
        "deactivated", admin.id, "Har slutat på föreningen.")
    assert (change.before, change.after) == ({"active": True}, {"active": False})
    doc = page(admin_browser.get(f"/admin/anvandare/{person.id}"))
    assert "Kontot stängdes av" in doc.text and "Har slutat på föreningen." in doc.text


def test_reactivating_does_not_bring_back_the_old_sessions(make_user, signed_in) -> None:
    admin, person = make_user("admin"), make_user("applicant")
    old_browser = signed_in(person)
    admin_browser = signed_in(admin)
    save_account(admin_browser, person, roles=["applicant"], active=False, reason="Avstängd.")

    response = save_account(admin_browser, person, roles=["applicant"], active=True,
                            reason="Tillbaka.")

    assert response.status_code == 302
    assert not is_logged_in(old_browser)
    assert login(old_browser, person).status_code == 302
    assert [c.kind for c in changes_for(person)] == ["deactivated", "reactivated"]


def test_the_administrator_changes_roles_and_the_person_gets_them_on_the_next_request(
    make_user, signed_in
) -> None:
    admin, person = make_user("admin"), make_user("applicant")
    person_browser = signed_in(person)
    assert person_browser.get("/granskning/").status_code == 403

    response = save_account(signed_in(admin), person, roles=["applicant", "reviewer"],
                            active=True, reason="Ska granska i höst.")

    assert response.status_code == 302
    assert person_browser.get("/granskning/").status_code == 200
    [change] = changes_for(person)
    assert (change.kind, change.before, change.after) == (
        "roles", {"roles": ["applicant"]}, {"roles": ["applicant", "reviewer"]})


@pytest.mark.parametrize(("roles", "active", "reason", "message"), [
    (["applicant"], True, "Ingen ändring.", "Inget ändrades"),
    (["applicant", "officer"], True, "", "Skriv varför kontot ändras"),
    ([], True, "Alla roller bort.", "Ett konto behöver minst en roll."),
    (["applicant", "superuser"], True, "Ny roll.", "Välj ett av alternativen i listan."),
], ids=["nothing-changed", "no-reason", "no-role", "unknown-role"])
def test_a_change_that_cannot_be_made_is_refused_with_the_reason_and_the_form_kept(
    make_user, signed_in, roles: list[str], active: bool, reason: str, message: str
) -> None:
    admin, person = make_user("admin"), make_user("applicant")
    client = signed_in(admin)

    response = save_account(client, person, roles=roles, active=active, reason=reason)

    assert response.status_code == 422
    doc = page(response)
    assert message in (error_summary(doc) or "")
    checked = {i.attrs["value"] for i in doc.find_all("input", name="roles")
               if "checked" in i.attrs}
    assert checked == set(roles) - {"superuser"}
    assert doc.one("textarea", id="reason").text.strip() == reason
    session.expire_all()
    assert session.get(User, person.id).roles == {"applicant"}
    assert changes_for(person) == []


def test_the_applicant_role_needs_an_organisation(make_user, signed_in) -> None:
    admin, officer = make_user("admin"), make_user("officer")

    response = save_account(signed_in(admin), officer, roles=["officer", "applicant"],
                            active=True, reason="Ska söka.")

    assert response.status_code == 422
    assert "kräver att personen hör till en organisation" in error_summary(page(response))


def test_an_administrator_cannot_remove_their_own_admin_role_or_deactivate_themselves(
    make_user, signed_in
) -> None:
    admin = make_user("admin")
    make_user("admin")  # another admin exists: the refusal is about oneself
    client = signed_in(admin)

    for roles, active in ((["finance"], True), (["admin"], False)):
        response = save_account(client, admin, roles=roles, active=active, reason="Test.")
        assert response.status_code == 422
        assert "Du kan inte ta bort din egen administratörsroll" in error_summary(page(response))
    assert changes_for(admin) == []


def test_the_last_active_administrator_stays_one(make_user) -> None:
    """Through the page the acting admin is always another active one; the operation also
    guards calls made outside it (a script acting as a deactivated admin)."""
    only = make_user("admin")
    script_actor = make_user("admin", active=False)

    with pytest.raises(InvalidInput) as refused:
        change_account(only, roles=["finance"], active=True, reason="Omorganisation.",
                       actor=script_actor)

    assert refused.value.reasons == ["Det måste finnas minst en aktiv administratör kvar."]
    session.rollback()
    assert session.get(User, only.id).roles == {"admin"}


def test_only_an_administrator_may_change_accounts(make_user, signed_in) -> None:
    person = make_user("applicant")
    for role in ("officer", "decider", "finance", "reviewer"):
        client = signed_in(make_user(role))
        token = csrf_token(client, "/konto")
        response = client.post(f"/admin/anvandare/{person.id}", data={
            "csrf_token": token, "roles": ["admin"], "active": "y", "reason": "Jag vill."})
        assert response.status_code == 403
    assert changes_for(person) == []


def test_an_account_change_without_the_csrf_token_is_refused(make_user, signed_in) -> None:
    admin, person = make_user("admin"), make_user("applicant")
    response = signed_in(admin).post(f"/admin/anvandare/{person.id}", data={
        "roles": ["applicant"], "reason": "Stäng av."})
    assert response.status_code == 400
    session.expire_all()
    assert session.get(User, person.id).active


def test_the_administrator_logs_someone_out_everywhere_with_a_reason(
    make_user, signed_in
) -> None:
    admin, person = make_user("admin"), make_user("finance")
    person_browser = signed_in(person)
    admin_browser = signed_in(admin)
    token = csrf_token(admin_browser, f"/admin/anvandare/{person.id}")

    without = admin_browser.post(f"/admin/anvandare/{person.id}/logga-ut",
                                 data={"end-csrf_token": token, "end-reason": ""})
    assert without.status_code == 422
    assert "Skriv varför personen loggas ut överallt." in error_summary(page(without))
    assert is_logged_in(person_browser)

    response = admin_browser.post(f"/admin/anvandare/{person.id}/logga-ut",
                                  data={"end-csrf_token": token,
                                        "end-reason": "Telefonen är stulen."})

    assert response.status_code == 302
    assert not is_logged_in(person_browser)
    assert is_logged_in(admin_browser)
    [change] = changes_for(person)
    assert (change.kind, change.actor_id, change.reason) == (
        "sessions_ended", admin.id, "Telefonen är stulen.")


def test_the_account_log_is_append_only(make_user, signed_in) -> None:
    admin, person = make_user("admin"), make_user("applicant")
    save_account(signed_in(admin), person, roles=["applicant"], active=False, reason="Av.")
    [change] = changes_for(person)

    change.reason = "Ändrad i efterhand"
    with pytest.raises(RecordIsAppendOnly):
        session.flush()
    session.rollback()
    with pytest.raises(sa.exc.DatabaseError):
        session.execute(sa.text("UPDATE account_change SET reason = 'x'"))
    session.rollback()


def test_the_list_of_people_filters_by_text_role_and_status(make_user, signed_in) -> None:
    admin = make_user("admin", email="admin@example.se")
    make_user("reviewer", email="greta@example.se")
    make_user("reviewer", email="gunnar@example.se", active=False)
    make_user("finance", email="erik@example.se")
    client = signed_in(admin)

    def emails(query: str) -> set[str]:
        doc = page(client.get(f"/admin/anvandare?{query}"))
        return {row.find_all("td")[1].text for row in doc.one("tbody").find_all("tr")}

    assert emails("roll=reviewer") == {"greta@example.se", "gunnar@example.se"}
    assert emails("roll=reviewer&status=aktiva") == {"greta@example.se"}
    assert emails("status=avstangda") == {"gunnar@example.se"}
    assert emails("q=ERIK") == {"erik@example.se"}
    bad = client.get("/admin/anvandare?roll=kung&status=snart")
    assert bad.status_code == 400
    summary = error_summary(page(bad))
    assert "Okänd roll «kung»" in summary and "Okänd status «snart»" in summary


def test_the_list_of_people_makes_the_same_number_of_queries_for_few_and_many(
    app, make_user, signed_in
) -> None:
    client = signed_in(make_user("admin"))
    make_user("applicant")
    with counting_queries(app) as few:
        assert client.get("/admin/anvandare").status_code == 200
    for role in ("applicant", "reviewer", "officer", "finance") * 3:
        make_user(role)
    with counting_queries(app) as many:
        assert client.get("/admin/anvandare").status_code == 200
    assert len(few) == len(many), "\n".join([*few, "", *many])


def test_the_list_of_people_pages_keep_the_filters(make_user, signed_in, monkeypatch) -> None:
    monkeypatch.setattr("grants.views.accounts.PER_PAGE", 2)
    client = signed_in(make_user("admin"))
    for _ in range(5):
        make_user("reviewer")

    first = page(client.get("/admin/anvandare?roll=reviewer&status=aktiva"))
    second = page(client.get("/admin/anvandare?roll=reviewer&status=aktiva&sida=2"))

    nav = first.one("nav", class_="pagination")
    assert "Sida 1 av 3" in nav.text
    def query(link: Element) -> dict[str, list[str]]:
        return parse_qs(urlsplit(link.attrs["href"]).query)

    assert query(nav.one("a", rel="next")) == {
        "roll": ["reviewer"], "status": ["aktiva"], "sida": ["2"]}
    assert query(second.one("nav", class_="pagination").one("a", rel="prev")) == {
        "roll": ["reviewer"], "status": ["aktiva"], "sida": ["1"]}
    assert len(second.one("tbody").find_all("tr")) == 2
