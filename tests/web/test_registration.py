"""Registering an applicant account through the real form: a new organisation, or joining one
that is already registered (unconfirmed until a member confirms), bad input, CSRF and the privacy
notice."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from grants.db import session
from grants.models import Organisation, User
from tests.conftest import csrf_token
from tests.web.conftest import error_summary, field_error, page
from workflows import State

PASSWORD = "en-fras-av-flera-ord"
FORM = {
    "name": "Anna Andersson",
    "email": "anna@kumlaungdom.se",
    "password": PASSWORD,
    "password_again": PASSWORD,
    "org_number": "802400-1235",
    "org_name": "Kumla ungdomsförening",
    "org_kind": "association",
    "municipality": "1881",
}
CHECK_DIGIT = "Organisationsnumret är inte giltigt: kontrollsiffran stämmer inte."


def register(client: Any, **changes: str) -> Any:
    token = csrf_token(client, "/registrera")
    return client.post("/registrera", data={"csrf_token": token, **FORM, **changes})


def count(model: Any) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def user_by_email(email: str) -> User | None:
    session.expire_all()
    return session.scalar(sa.select(User).where(User.email == email))


def selected(doc: Any, name: str) -> str | None:
    options = doc.one("select", name=name).find_all("option", selected="")
    return options[0].attrs["value"] if options else None


# A new organisation -----------------------------------------------------------------------------


def test_a_new_person_registers_a_new_organisation_is_logged_in_and_can_start_an_application(
    client,
) -> None:
    response = register(client)

    assert response.status_code == 302
    assert response.headers["Location"] == "/mina-ansokningar/"
    user = user_by_email(FORM["email"])
    assert user is not None
    assert (user.name, user.roles, user.membership_confirmed) == (
        "Anna Andersson", {"applicant"}, True)
    organisation = user.organisation
    assert (organisation.name, organisation.org_number, organisation.kind,
            organisation.municipality_code) == (
        "Kumla ungdomsförening", "802400-1235", "association", "1881")

    dashboard = client.get("/mina-ansokningar/")
    assert dashboard.status_code == 200
    assert "Inloggad: Anna Andersson" in dashboard.get_data(as_text=True)
    assert "Din organisation har inga ansökningar ännu." in page(dashboard).text

    token = csrf_token(client, "/mina-ansokningar/ny")
    started = client.post("/mina-ansokningar/ny", data={
        "csrf_token": token, "title": "Läxhjälp i Kumla", "summary": "Vi testar läxhjälp."})
    assert started.status_code == 302
    assert started.headers["Location"].endswith("/redigera")
    assert client.get(started.headers["Location"]).status_code == 200


def test_the_organisation_number_is_stored_in_its_normal_form(client) -> None:
    response = register(client, org_number=" 8024001235 ")

    assert response.status_code == 302
    assert session.scalar(sa.select(Organisation.org_number)) == "802400-1235"


def test_the_password_is_stored_salted_and_hashed_never_as_plain_text(app, client) -> None:
    register(client)

    stored = session.scalar(
        sa.text("SELECT password_hash FROM app_user WHERE email = :e"), {"e": FORM["email"]})
    assert PASSWORD not in stored
    assert stored.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
    user = user_by_email(FORM["email"])
    assert user.check_password(PASSWORD)
    assert not user.check_password(PASSWORD.upper())


# Bad input --------------------------------------------------------------------------------------


def test_a_wrong_check_digit_answers_422_with_the_message_and_keeps_every_value_but_passwords(
    client,
) -> None:
    response = register(client, org_number="212000-1885")

    assert response.status_code == 422
    doc = page(response)
    assert CHECK_DIGIT in (error_summary(doc) or "")
    for name in ("name", "email", "org_number", "org_name"):
        value = "212000-1885" if name == "org_number" else FORM[name]
        assert doc.one("input", name=name).value == value, name
    assert selected(doc, "org_kind") == "association"
    assert selected(doc, "municipality") == "1881"
    for name in ("password", "password_again"):
        assert doc.one("input", name=name).value == "", "a password is never sent back"
    assert PASSWORD not in response.get_data(as_text=True)
    assert (count(User), count(Organisation)) == (0, 0)
    assert user_by_email(FORM["email"]) is None


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"org_number": "212000-1885"}, "org_number", CHECK_DIGIT),
    ({"org_number": "811218-9876"}, "org_number", "Numret ser ut som ett personnummer."),
    ({"org_name": ""}, "org_name", "Ange organisationens namn."),
    ({"org_kind": ""}, "org_kind", "Välj vilken sorts organisation det är."),
], ids=["check-digit", "personnummer", "no-org-name", "no-org-kind"])
def test_an_organisation_problem_is_shown_next_to_its_field(
    client, changes: dict[str, str], field: str, message: str
) -> None:
    response = register(client, **changes)

    doc = page(response)
    assert message in (field_error(doc, field) or "")
    assert doc.find(id=field).attrs.get("aria-invalid") == "true"


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"org_number": "811218-9876"}, "org_number", "Numret ser ut som ett personnummer."),
    ({"org_number": "19811218-9876"}, "org_number", "Ange organisationsnumret med tio siffror"),
    ({"org_number": "80240-1235"}, "org_number", "Ange organisationsnumret med tio siffror"),
    ({"org_number": ""}, "org_number", "Fyll i organisationsnumret."),
    ({"password": "för-kort", "password_again": "för-kort"}, "password",
     "Lösenordet måste ha minst 12 tecken."),
    ({"password_again": PASSWORD + "x"}, "password_again", "Lösenorden är inte lika."),
    ({"email": "inte-en-adress"}, "email", "Ange en giltig e-postadress."),
    ({"name": ""}, "name", "Fyll i ditt namn."),
    ({"org_name": "  "}, "org_name", "Ange organisationens namn."),
    ({"org_kind": ""}, "org_kind", "Välj vilken sorts organisation det är."),
    ({"org_kind": "sect"}, "org_kind", "Välj"),
], ids=["personnummer", "twelve-digit-personnummer", "nine-digits", "no-number",
        "short-password", "passwords-differ", "bad-email", "no-name", "no-org-name",
        "no-org-kind", "unknown-org-kind"])
def test_bad_registration_answers_422_with_the_swedish_message_and_creates_nothing(
    client, changes: dict[str, str], field: str, message: str
) -> None:
    response = register(client, **changes)

    assert response.status_code == 422
    doc = page(response)
    shown = " ".join(filter(None, [error_summary(doc), field_error(doc, field)]))
    assert message in shown
    assert doc.one("input", name="email").value == changes.get("email", FORM["email"])
    assert doc.one("input", name="password").value == ""
    assert (count(User), count(Organisation)) == (0, 0)


def test_a_taken_email_answers_422_whatever_its_case_and_creates_nothing(
    client, make_user
) -> None:
    make_user("applicant", email="anna@kumlaungdom.se")
    users, organisations = count(User), count(Organisation)

    response = register(client, email="Anna@KumlaUngdom.se")

    assert response.status_code == 422
    assert "Det finns redan ett konto för anna@kumlaungdom.se." in (error_summary(page(response))
                                                                   or "")
    assert (count(User), count(Organisation)) == (users, organisations)


def test_registration_without_a_csrf_token_is_refused_with_400_and_creates_nothing(client) -> None:
    client.get("/registrera")

    response = client.post("/registrera", data=FORM)

    assert response.status_code == 400
    assert "säkerhetskod" in page(response).text
    assert (count(User), count(Organisation)) == (0, 0)


def test_a_logged_in_person_is_sent_home_instead_of_registering(make_user, signed_in) -> None:
    client = signed_in(make_user("applicant"))

    assert client.get("/registrera").headers["Location"] == "/mina-ansokningar/"


@pytest.mark.parametrize("url", ["/registrera", "/personuppgifter"])
def test_the_privacy_notice_gives_the_legal_basis_and_how_long_records_are_kept(
    client, url: str
) -> None:
    response = client.get(url)

    assert response.status_code == 200
    text = page(response).text
    assert "artikel 6.1 e" in text
    assert "tio år" in text
    assert "allmän" in text


# Joining an organisation that is already registered ---------------------------------------------


@pytest.fixture
def existing(make_organisation, make_user, make_application) -> dict[str, Any]:
    """An organisation with a confirmed member, a draft and a submitted application."""
    organisation = make_organisation(name="Kumla kommun", kind="municipality",
                                     municipality_code="1881")
    member = make_user("applicant", organisation=organisation)
    return {
        "organisation": organisation,
        "member": member,
        "applications": [
            make_application(State.DRAFT, applicant=member, title="Utkastet om fritid"),
            make_application(State.SUBMITTED, applicant=member, title="Inskickad om skolan"),
        ],
    }


def join(client: Any, organisation: Organisation, **changes: str) -> Any:
    fields = {"org_name": "", "org_kind": "", "municipality": "", "email": "ny@kumla.se",
              "name": "Nils Ny", **changes}
    return register(client, org_number=organisation.org_number.replace("-", ""), **fields)


def application_urls(application_id: int) -> list[str]:
    base = f"/mina-ansokningar/{application_id}"
    return [base, f"{base}/redigera", f"{base}/granska", f"{base}/kvitto", f"{base}/ansokan.pdf",
            f"{base}/avsnitt/projekt", f"{base}/bilagor"]


def test_joining_an_existing_organisation_gives_an_unconfirmed_account_that_sees_none_of_its_work(
    client, existing
) -> None:
    organisation = existing["organisation"]

    response = join(client, organisation)

    assert response.status_code == 302
    assert response.headers["Location"] == "/mina-ansokningar/"
    newcomer = user_by_email("ny@kumla.se")
    assert newcomer.organisation_id == organisation.id
    assert newcomer.membership_confirmed is False
    assert count(Organisation) == 1

    dashboard = client.get("/mina-ansokningar/")
    assert dashboard.status_code == 200
    doc = page(dashboard)
    assert doc.one("h1").text == "Ditt konto väntar på bekräftelse"
    for application in existing["applications"]:
        assert application.title not in doc.text
        for url in application_urls(application.id):
            assert client.get(url).status_code == 404, url
    assert client.get("/mina-ansokningar/ny").status_code == 403


def test_joining_does_not_change_the_organisations_name_or_kind(client, existing) -> None:
    organisation = existing["organisation"]

    response = join(client, organisation, org_name="Något helt annat", org_kind="company")

    assert response.status_code == 302
    session.refresh(organisation)
    assert (organisation.name, organisation.kind) == ("Kumla kommun", "municipality")


def test_a_confirmed_member_sees_who_waits_and_confirms_them_who_then_sees_the_applications(
    app, client, existing, signed_in
) -> None:
    join(client, existing["organisation"])
    newcomer = user_by_email("ny@kumla.se")
    member = signed_in(existing["member"])

    doc = page(member.get("/mina-ansokningar/"))
    assert "Nils Ny (ny@kumla.se)" in doc.text
    form = doc.one("form", action=f"/mina-ansokningar/medlemmar/{newcomer.id}/bekrafta")
    assert form.find("input", name="confirm-csrf_token") is not None

    response = member.post(f"/mina-ansokningar/medlemmar/{newcomer.id}/bekrafta",
                           data={"confirm-csrf_token": csrf_token(member, "/")})

    assert response.status_code == 302
    assert user_by_email("ny@kumla.se").membership_confirmed is True
    confirm_url = f"/mina-ansokningar/medlemmar/{newcomer.id}/bekrafta"
    assert not page(member.get("/mina-ansokningar/")).find_all("form", action=confirm_url)
    dashboard = page(client.get("/mina-ansokningar/"))
    assert dashboard.one("h1").text == "Mina ansökningar"
    for application in existing["applications"]:
        assert application.title in dashboard.text
        assert client.get(f"/mina-ansokningar/{application.id}").status_code == 200


def test_confirming_without_a_csrf_token_is_refused_and_changes_nothing(
    client, existing, signed_in
) -> None:
    join(client, existing["organisation"])
    newcomer = user_by_email("ny@kumla.se")
    member = signed_in(existing["member"])

    response = member.post(f"/mina-ansokningar/medlemmar/{newcomer.id}/bekrafta")

    assert response.status_code == 400
    assert user_by_email("ny@kumla.se").membership_confirmed is False


def test_an_applicant_of_another_organisation_cannot_confirm_gets_404_and_changes_nothing(
    client, existing, make_user, signed_in
) -> None:
    join(client, existing["organisation"])
    newcomer = user_by_email("ny@kumla.se")
    outsider = signed_in(make_user("applicant"))

    response = outsider.post(f"/mina-ansokningar/medlemmar/{newcomer.id}/bekrafta",
                             data={"confirm-csrf_token": csrf_token(outsider, "/")})

    assert response.status_code == 404
    assert user_by_email("ny@kumla.se").membership_confirmed is False


def test_an_unconfirmed_member_cannot_confirm_another_and_changes_nothing(
    app, existing, signed_in
) -> None:
    first, second = app.test_client(), app.test_client()
    join(first, existing["organisation"])
    join(second, existing["organisation"], email="tva@kumla.se", name="Tva Ny")
    other = user_by_email("tva@kumla.se")

    response = first.post(f"/mina-ansokningar/medlemmar/{other.id}/bekrafta",
                          data={"confirm-csrf_token": csrf_token(first, "/")})

    assert response.status_code == 403
    assert user_by_email("tva@kumla.se").membership_confirmed is False
