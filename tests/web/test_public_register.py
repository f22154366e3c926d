"""The public register of pilots (``/piloter``) and one pilot's public record (``/piloter/<ref>``).

Anyone may read them without logging in. They show what :mod:`grants.register` says is public
and nothing else: no drafts or undecided cases, no contact persons, reviewers, scores, officers'
notes or learnings the pilot owner kept internal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask

from grants.completeness import today
from grants.db import session
from grants.demo import fill_application, take_step, write_report
from grants.models import Application, Report, ReportKind, Review, ReviewScore, User
from grants.models.assessment import Screening
from grants.money import format_kronor
from grants.operations import applications as ops
from grants.operations import content
from grants.operations import reports as report_ops
from grants.register import RegisterError, parse_filters
from tests.conftest import REASON, path_to
from tests.web.conftest import Element, page
from tests.web.test_query_counts import counting_queries, same_count_message
from workflows import State

# Factories ---------------------------------------------------------------------------------------


@pytest.fixture
def make_pilot(
    app: Flask, make_user: Callable[..., User], make_organisation: Callable[..., Any],
    staff: dict[str, User],
) -> Callable[..., Application]:
    return pilot_factory(make_user, make_organisation, staff)


def pilot_factory(
    make_user: Callable[..., User], make_organisation: Callable[..., Any], staff: dict[str, User],
) -> Callable[..., Application]:
    """Makes a case taken to ``state`` through the real operations, with its own organisation and
    chosen focus areas, municipalities and kind of organisation. ``next_year`` spreads the
    project and the money over this year and the next (the test app has pots for both)."""

    def make(state: State | str = State.GRANTED, *, title: str = "Pilot för unga",
             summary: str = "Vi testar något nytt.", focus_areas: Iterable[str] = ("leisure",),
             municipalities: Iterable[str] = ("1880",), kind: str = "association",
             organisation: str = "Testföreningen", next_year: bool = False,
             contact: tuple[str, str] | None = None, reason: str = "",
             requested: int = 100_000) -> Application:
        places = list(municipalities)
        owner = make_organisation(name=organisation, kind=kind, municipality_code=places[0])
        applicant = make_user("applicant", organisation=owner)
        application = ops.create_draft_application(actor=applicant, organisation=owner,
                                                   title=title, summary=summary)
        fill_application(application, applicant, title=title, summary=summary,
                         requested=requested)
        content.save_target(application, actor=applicant, focus_areas=list(focus_areas),
                            municipalities=places, age_bands=["13-15"],
                            target_group="Unga 13–15 år.", participants_girls=10,
                            participants_boys=10, participants_other=0)
        if next_year:
            _spread_over_two_years(application, applicant)
        if contact is not None:
            content.save_contact(application, actor=applicant, name=contact[0],
                                 role="Projektledare", email=contact[1], phone="070-123 45 67")
        for trigger in path_to(State(state)):
            take_step(application, trigger, applicant=applicant, staff=staff,
                      reviewers=[staff["reviewer"], staff["reviewer2"]],
                      reason=reason or REASON)
        session.commit()
        return application

    return make


def _spread_over_two_years(application: Application, applicant: User) -> None:
    year = today().year
    content.save_project(
        application, actor=applicant, title=application.title, summary=application.summary,
        background=application.background, aim=application.aim,
        activities=application.activities, start_date=application.start_date,
        end_date=date(year + 1, 3, 31), partners=application.partners)
    content.save_budget(
        application, actor=applicant,
        lines=[{"year": y, "cost_type": "own_staff", "description": "Fritidsledare",
                "amount": 100_000} for y in (year, year + 1)],
        co_financing=[{"year": y, "kind": "cash", "funder": "Kommunen", "amount": 50_000}
                      for y in (year, year + 1)],
        requested={year: 50_000, year + 1: 50_000})


def owner_of(application: Application) -> User:
    user = session.scalars(sa.select(User).where(
        User.organisation_id == application.organisation_id)).first()
    assert user is not None
    return user


def add_stage_report(application: Application, officer: User, *, public: bool,
                     worked: str, approve: bool = True, note: str = "") -> Report:
    """A stage report as the pilot owner writes it (learnings ``public`` or internal), handed
    in and, with ``approve``, approved by the officer."""
    applicant = owner_of(application)
    report = write_report(application, ReportKind.STAGE, applicant)
    # The report form's "publish my learnings" box and the learning the owner wrote.
    report.learnings_public, report.learned_worked = public, worked
    report_ops.submit_report(report, actor=applicant)
    if approve:
        report_ops.approve_report(report, actor=officer, note=note)
    session.commit()
    return report


# Reading the pages -------------------------------------------------------------------------------


def titles(doc: Element) -> list[str]:
    """The pilots listed, by title, in the order shown."""
    return [h3.text for h3 in doc.find_all("h3") if h3.find("a") is not None]


def listed(client: Any, query: str = "") -> list[str]:
    response = client.get(f"/piloter{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return titles(page(response))


def kr(amount: int) -> str:
    """An amount as the page's text reads (``Element.text`` makes no-break spaces plain)."""
    return " ".join(format_kronor(amount).split())


def heading(doc: Element) -> str:
    return doc.one("h2", id="traffar").text


# The list ---------------------------------------------------------------------------------------


def test_the_register_lists_pilots_from_granted_on_and_nothing_before(make_pilot, client):
    for state in (State.DRAFT, State.SUBMITTED, State.RETURNED, State.ASSESSED, State.REJECTED,
                  State.WITHDRAWN):
        make_pilot(state, title=f"Inte offentlig {state.value}")
    for state in (State.GRANTED, State.FOLLOWED_UP, State.SCALED, State.CLOSED):
        make_pilot(state, title=f"Offentlig {state.value}")

    doc = page(client.get("/piloter"))

    assert sorted(titles(doc)) == sorted(f"Offentlig {s}" for s in
                                         ("granted", "followed_up", "scaled", "closed"))
    assert heading(doc) == "4 piloter"


def test_each_pilot_in_the_list_shows_its_public_facts(make_pilot, client):
    pilot = make_pilot(title="Läxhjälp i Kumla", organisation="Kumla kommun",
                       kind="municipality", municipalities=("1881", "1880"),
                       focus_areas=("school", "leisure"), next_year=True)
    decision = pilot.current_decision
    year = today().year

    article = page(client.get("/piloter")).one("article")

    link = article.one("h3").one("a")
    assert (link.text, link.attrs["href"]) == ("Läxhjälp i Kumla", f"/piloter/{pilot.reference}")
    facts = {div.one("dt").text: div.one("dd").text for div in article.find_all("div")}
    assert facts["Organisation"] == "Kumla kommun"
    assert facts["Kommuner"] == "Kumla, Örebro"
    assert facts["Insatsområden"] == ("Måluppfyllelse i skolan / väl fungerande skolgång, "
                                       "Meningsfull fritid")
    assert facts["Beviljat stöd"] == (f"{year}: {kr(50_000)}, {year + 1}: {kr(50_000)} "
                                      f"(totalt {kr(100_000)})")
    assert facts["Projekttid"] == f"{decision.project_start} – {decision.project_end}"
    assert facts["Status"] == "Pågår"


def test_one_pilot_is_counted_in_the_singular(make_pilot, client):
    make_pilot()
    assert heading(page(client.get("/piloter"))) == "1 pilot"


@pytest.fixture
def three_pilots(make_pilot) -> dict[str, Application]:
    """Three pilots that differ in every filter the register has."""
    return {
        "fritid": make_pilot(title="Fritid i Kumla", focus_areas=("leisure",),
                             municipalities=("1881",), kind="association"),
        "skola": make_pilot(State.FOLLOWED_UP, title="Skola i Örebro", focus_areas=("school",),
                            municipalities=("1880",), kind="municipality",
                            organisation="Örebro kommun", next_year=True),
        "trygg": make_pilot(title="Trygg i Nora", focus_areas=("safe_neighbourhood",),
                            municipalities=("1882",), kind="company",
                            organisation="Trygghetsbolaget AB"),
    }


FILTERED = [
    ("", ["Fritid i Kumla", "Skola i Örebro", "Trygg i Nora"]),
    ("?insatsomrade=leisure", ["Fritid i Kumla"]),
    ("?kommun=1881", ["Fritid i Kumla"]),
    ("?ar={next_year}", ["Skola i Örebro"]),
    ("?ar={this_year}", ["Fritid i Kumla", "Skola i Örebro", "Trygg i Nora"]),
    ("?status=followed_up", ["Skola i Örebro"]),
    ("?status=granted", ["Fritid i Kumla", "Trygg i Nora"]),
    ("?organisation=company", ["Trygg i Nora"]),
    ("?organisation=municipality", ["Skola i Örebro"]),
    ("?insatsomrade=leisure&kommun=1880", []),
    ("?insatsomrade=school&status=followed_up&organisation=municipality", ["Skola i Örebro"]),
    ("?insatsomrade=&kommun=&ar=&status=&organisation=&q=&sortering=", [
        "Fritid i Kumla", "Skola i Örebro", "Trygg i Nora"]),  # the form sent with "Alla"
]


def test_each_filter_narrows_the_list(three_pilots, client) -> None:
    """Focus area, municipality, budget year, state and kind of organisation, alone and
    together (one set of pilots for every query: building them is the slow part)."""
    year = today().year
    for query, expected in FILTERED:
        url = query.format(this_year=year, next_year=year + 1)
        assert sorted(listed(client, url)) == expected, url


def test_a_year_without_a_pot_can_be_chosen_and_shows_as_chosen(app, client):
    select = page(client.get("/piloter?ar=2031")).one("select", name="ar")

    assert [o.attrs["value"] for o in select.find_all("option") if "selected" in o.attrs] \
        == ["2031"]


def test_the_form_keeps_the_chosen_filters_and_offers_every_choice(three_pilots, client):
    doc = page(client.get("/piloter?insatsomrade=leisure&kommun=1881&status=granted"
                          "&organisation=association&sortering=titel&q=fritid"))

    form = doc.one("form", role="search")
    assert form.attrs["method"] == "get" and form.attrs["action"] == "/piloter"
    for name, chosen in [("insatsomrade", "leisure"), ("kommun", "1881"),
                         ("status", "granted"), ("organisation", "association"),
                         ("sortering", "titel")]:
        select = form.one("select", name=name)
        assert doc.one("label", attrs={"for": name}).text
        assert [o.attrs["value"] for o in select.find_all("option") if "selected" in o.attrs] \
            == [chosen]
    assert form.one("input", name="q").value == "fritid"
    assert form.one("button", type="submit").text == "Visa piloter"
    assert [o.text for o in form.one("select", name="status").find_all("option")] == [
        "Alla", "Pågår", "Genomförd och uppföljd", "Införd i ordinarie verksamhet", "Avslutad"]
    assert {o.attrs["value"] for o in form.one("select", name="ar").find_all("option")} >= {
        str(today().year), str(today().year + 1)}
    assert len(form.one("select", name="kommun").find_all("option")) == 13  # 12 and "Alla"


def test_sorting_by_title_by_amount_and_newest_first(make_pilot, client):
    make_pilot(title="Bollplan", requested=60_000)
    make_pilot(title="Allaktivitetshus", next_year=True)  # 100 000 kr over two years
    make_pilot(title="Cirkus", requested=80_000)

    assert listed(client, "?sortering=titel") == ["Allaktivitetshus", "Bollplan", "Cirkus"]
    assert listed(client, "?sortering=belopp") == ["Allaktivitetshus", "Cirkus", "Bollplan"]
    assert listed(client) == ["Cirkus", "Allaktivitetshus", "Bollplan"]


def test_search_finds_words_in_the_title_the_summary_and_published_learnings(
    make_pilot, client, staff
):
    make_pilot(title="Kvällsöppet på fritidsgården")
    make_pilot(title="Läxhjälp", summary="Studiecirklar med föräldrar på biblioteket.")
    learned = make_pilot(title="Simskola")
    add_stage_report(learned, staff["officer"], public=True,
                     worked="Badvakterna blev trygga vuxna för många barn.")
    internal = make_pilot(title="Skridskor")
    add_stage_report(internal, staff["officer"], public=False,
                     worked="Ishallens vaktmästare blev en nyckelperson.")
    waiting = make_pilot(title="Klättring")
    add_stage_report(waiting, staff["officer"], public=True, approve=False,
                     worked="Klätterväggens instruktörer sprang fort.")

    assert listed(client, "?q=fritidsgården") == ["Kvällsöppet på fritidsgården"]
    assert listed(client, "?q=KVÄLLSÖPPET") == ["Kvällsöppet på fritidsgården"]
    assert listed(client, "?q=biblioteket") == ["Läxhjälp"]
    assert listed(client, "?q=badvakterna") == ["Simskola"]
    # Learnings kept internal, or in a report not approved yet, are not searched.
    assert listed(client, "?q=vaktmästare") == []
    assert listed(client, "?q=instruktörer") == []
    # Every word must match.
    assert listed(client, "?q=föräldrar+biblioteket") == ["Läxhjälp"]
    assert listed(client, "?q=föräldrar+fritidsgården") == []


@pytest.mark.postgres_only
def test_on_postgresql_the_search_finds_inflected_swedish_forms(make_pilot, client):
    make_pilot(title="Kvällsöppet på fritidsgården")
    make_pilot(title="Läxhjälp", summary="Vi läser med barnen på kvällarna.")

    assert session.get_bind().dialect.name == "postgresql"
    assert listed(client, "?q=fritidsgårdar") == ["Kvällsöppet på fritidsgården"]
    assert listed(client, "?q=kvällen") == ["Läxhjälp"]


ATTEMPTS = ["' OR 1=1 --", "%", "_", "%%", "\\", "*", "<script>alert(1)</script>",
            "\" OR \"\"=\"", "'); DROP TABLE application; --"]


def test_injection_attempts_in_the_search_are_harmless(make_pilot, client) -> None:
    make_pilot(title="Fritid för alla", summary="Vi öppnar på kvällar.")
    make_pilot(State.FOLLOWED_UP, title="Kvällsfika")

    for attempt in ATTEMPTS:
        response = client.get("/piloter", query_string={"q": attempt})

        assert response.status_code == 200, attempt
        doc = page(response)
        assert titles(doc) == [] and heading(doc) == "Inga piloter", attempt
        assert doc.one("input", name="q").value == attempt  # shown back as typed ...
        assert "<script>alert" not in response.get_data(as_text=True)  # ... and escaped
    assert sorted(listed(client)) == ["Fritid för alla", "Kvällsfika"]  # nothing dropped


@pytest.mark.parametrize("query", ["a" * 201, "fritid\x00"])
def test_a_search_too_long_or_with_a_nul_is_refused_and_kept(client, query: str):
    with pytest.raises(RegisterError) as refused:
        parse_filters({"q": query})

    response = client.get("/piloter", query_string={"q": query})

    assert response.status_code == 400
    doc = page(response)
    assert str(refused.value) in doc.one("div", id="error-summary").text
    assert doc.one("div", id="error-summary").one("a").attrs["href"] == "#q"
    assert doc.one("input", name="q").attrs["aria-invalid"] == "true"


@pytest.mark.parametrize(("name", "value"), [
    ("insatsomrade", "okant"), ("kommun", "9999"), ("kommun", "Kumla"), ("ar", "1999"),
    ("ar", "tjugo"), ("ar", "２０２５"), ("ar", "²"), ("status", "draft"), ("status", "submitted"),
    ("status", "rejected"), ("organisation", "person"), ("sortering", "slump"),
    ("sida", "0"), ("sida", "-1"), ("sida", "tre"), ("sida", "²"), ("sida", "99999999"),
])
def test_unknown_filter_values_and_page_numbers_are_a_400_that_says_why(
    app, client, name: str, value: str
) -> None:
    with pytest.raises(RegisterError) as refused:
        parse_filters({name: value})

    response = client.get("/piloter", query_string={name: value, "q": "fritid"})

    assert response.status_code == 400
    doc = page(response)
    summary = doc.one("div", id="error-summary")
    assert str(refused.value) in summary.text
    if name != "sida":  # the message leads to the field it is about
        assert summary.one("a").attrs["href"] == f"#{name}"
        assert doc.one(id=f"{name}-error").text == f"Fel: {refused.value}"
        assert doc.one(id=name).attrs["aria-invalid"] == "true"
    form = doc.one("form", role="search")
    assert form.one("input", name="q").value == "fritid"  # what was typed is kept
    assert titles(doc) == []


def test_a_page_past_the_end_is_empty_and_leads_back_to_the_first_page(three_pilots, client):
    response = client.get("/piloter?sida=999&status=granted&sortering=titel")

    assert response.status_code == 200
    doc = page(response)
    assert titles(doc) == []
    main = doc.one("main")
    assert "Inga piloter på den här sidan" in main.text
    back = main.find("a", href="/piloter?status=granted&sortering=titel")
    assert back is not None and back.text == "Till första sidan"


def test_pages_of_twenty_with_links_that_keep_the_filters(make_pilot, client):
    for n in range(21):  # 20 000 kr each: the year's pot holds 1 000 000 kr
        make_pilot(title=f"Pilot {n:02d}", focus_areas=("leisure",), requested=20_000)
    make_pilot(title="Inte fritid", focus_areas=("school",), requested=20_000)

    first = page(client.get("/piloter?insatsomrade=leisure&sortering=titel"))
    assert heading(first) == "21 piloter"
    assert titles(first) == [f"Pilot {n:02d}" for n in range(20)]
    pagination = first.one("nav", class_="pagination")
    assert pagination.find("a", rel="prev") is None
    following = pagination.one("a", rel="next")
    query = parse_qs(urlsplit(following.attrs["href"]).query)
    assert query == {"insatsomrade": ["leisure"], "sortering": ["titel"], "sida": ["2"]}

    second = page(client.get(following.attrs["href"]))
    assert titles(second) == ["Pilot 20"]
    back = second.one("nav", class_="pagination").one("a", rel="prev")
    assert back.attrs["href"] == "/piloter?insatsomrade=leisure&sortering=titel"
    assert second.one("nav", class_="pagination").find("a", rel="next") is None
    assert "Sida 2 av 2" in second.one("nav", class_="pagination").text


def test_the_list_links_to_the_same_list_as_csv_and_json(three_pilots, client):
    doc = page(client.get("/piloter?kommun=1881&q=fritid&sortering=titel"))

    links = {a.text: a.attrs["href"] for a in doc.one("main").find_all("a")
             if a.attrs.get("href", "").startswith("/api/v1/")}
    expected = {"kommun": ["1881"], "q": ["fritid"], "sortering": ["titel"]}
    assert urlsplit(links["CSV"]).path == "/api/v1/pilots.csv"
    assert urlsplit(links["JSON"]).path == "/api/v1/pilots"
    assert parse_qs(urlsplit(links["CSV"]).query) == expected
    assert parse_qs(urlsplit(links["JSON"]).query) == expected


def test_the_register_needs_no_login_and_links_to_itself_from_the_menu(client):
    response = client.get("/piloter")
    assert response.status_code == 200
    nav = page(response).one("nav", attrs={"aria-label": "Huvudmeny"})
    assert nav.one("a", href="/piloter").attrs["aria-current"] == "page"
    assert nav.find("a", href="/larande") is not None


def test_the_register_issues_as_many_queries_for_8_pilots_as_for_2(app, make_pilot, client):
    for _ in range(2):
        make_pilot(State.FOLLOWED_UP, focus_areas=("leisure", "school"))
    client.get("/piloter")  # warm-up

    url = "/piloter?insatsomrade=leisure&q=pilot"
    with counting_queries(app) as few:
        assert len(titles(page(client.get(url)))) == 2
    for n in range(6):
        make_pilot([State.GRANTED, State.SCALED, State.CLOSED][n % 3], next_year=n % 2 == 0,
                   municipalities=("1880", "1881"), focus_areas=("leisure", "school"))
    with counting_queries(app) as many:
        assert len(titles(page(client.get(url)))) == 8

    assert len(many) == len(few), same_count_message(few, many)


# One pilot --------------------------------------------------------------------------------------


def test_a_pilot_page_shows_its_whole_public_record(make_pilot, client, staff):
    pilot = make_pilot(State.SCALED, title="Kvällsöppet", organisation="Kumla kommun",
                       kind="municipality", municipalities=("1881",), next_year=True)
    year = today().year

    response = client.get(f"/piloter/{pilot.reference}")

    assert response.status_code == 200
    doc = page(response)
    main = doc.one("main")
    assert doc.one("h1").text == "Kvällsöppet"
    facts = {div.one("dt").text: div.one("dd").text
             for div in main.find_all("dl")[0].find_all("div")}
    assert facts["Status"] == "Införd i ordinarie verksamhet"
    assert facts["Organisation"].startswith("Kumla kommun (kommun, organisationsnummer ")
    assert facts["Kommun"] == "Kumla"
    granted = main.find_all("table")[0]
    assert [[c.text for c in row.find_all("th") + row.find_all("td")]
            for row in granted.one("tbody").find_all("tr")] == [
        [str(year), kr(50_000)], [str(year + 1), kr(50_000)]]
    total = granted.one("tfoot")
    assert [total.one("th").text, total.one("td").text] == ["Totalt", kr(100_000)]
    # Indicators with the approved follow-up report's outcomes (write_report: 42 = 22 + 20).
    indicators = main.find_all("table")[1]
    rows = [[c.text for c in row.find_all("td")] for row in indicators.one("tbody").find_all("tr")]
    assert rows[0] == ["antal", "0", "50", "42", "22", "20"]
    assert [th.text for th in indicators.one("tbody").find_all("th")] == [
        "Unga som deltar minst fyra gånger", "Deltagare som känner sig trygga på vägen hem"]
    # Participants by sex: 14 + 9 girls, 11 + 8 boys, 1 other.
    participants = main.find_all("table")[2]
    assert [c.text for c in participants.one("tbody").find_all("td")] == ["23", "19", "1", "43"]
    # Learnings under the three themes, and the scale-up outcome.
    learnings = main.one("section", id="lardom-uppfoljningsrapport")
    assert [h4.text for h4 in learnings.find_all("h4")] == [
        "Det här fungerade", "Det här fungerade inte", "Det här bör andra veta"]
    assert "Att unga själva planerade innehållet" in learnings.text
    assert "Fritidsförvaltningen" in main.text
    assert "Ordinarie budget för fritidsverksamheten" in main.text
    json_link = main.one("a", href=f"/api/v1/pilots/{pilot.reference}")
    assert json_link.text == "Ladda ned som JSON"


def test_a_granted_pilot_without_reports_says_what_is_still_to_come(make_pilot, client):
    pilot = make_pilot()

    main = page(client.get(f"/piloter/{pilot.reference}")).one("main")

    outcomes = [row.find_all("td")[3].text
                for row in main.find_all("table")[1].one("tbody").find_all("tr")]
    assert outcomes == ["Inte redovisat än", "Inte redovisat än"]
    assert "Piloten har inte publicerat några lärdomar än." in main.text
    assert "Ingen godkänd rapport om införande finns än." in main.text


def _not_found(client: Any, reference: str) -> tuple[int, str]:
    response = client.get(f"/piloter/{reference}")
    return response.status_code, response.get_data(as_text=True)


def test_a_reference_that_is_not_public_is_the_same_404_as_an_unknown_one(make_pilot, client):
    hidden = [make_pilot(state) for state in (State.SUBMITTED, State.RETURNED, State.ASSESSED,
                                              State.REJECTED, State.WITHDRAWN)]
    make_pilot()  # a public one exists too
    unknown = _not_found(client, "PF-2099-9999")

    assert unknown[0] == 404
    for application in hidden:
        assert application.reference
        assert _not_found(client, application.reference) == unknown, application.state
    assert _not_found(client, "%27%20OR%201=1") == unknown


SECRETS = {
    "contact name": "Kerstin Kontaktsson",
    "contact e-mail": "kerstin.kontakt@hemlig.example",
    "reviewer name": "Greta Granskarsdotter",
    "second reviewer": "Rune Recensentsson",
    "review comment": "GRANSKNINGSKOMMENTAR-7Q",
    "score reason": "POANGMOTIVERING-7Q",
    "screening note": "KONTROLLANTECKNING-7Q",
    "officer's note": "HANDLAGGARNOTERING-7Q",
    "internal learning": "INTERNLARDOM-7Q",
    "unapproved learning": "OGODKANDLARDOM-7Q",
}


@pytest.fixture
def secret_case(make_pilot, staff) -> Application:
    """A granted pilot whose every non-public part carries a distinctive string: stage
    report 1 kept its learnings internal, stage report 2 shares them, stage report 3 is handed
    in but not approved yet."""
    staff["reviewer"].name = SECRETS["reviewer name"]
    staff["reviewer2"].name = SECRETS["second reviewer"]
    session.commit()
    pilot = make_pilot(State.GRANTED, title="Öppen pilot",
                       contact=(SECRETS["contact name"], SECRETS["contact e-mail"]),
                       reason=SECRETS["officer's note"])
    for review in session.scalars(sa.select(Review).where(Review.application_id == pilot.id)):
        review.comment = SECRETS["review comment"]
    for score in session.scalars(sa.select(ReviewScore)):
        score.reason = SECRETS["score reason"]
    screening = session.get(Screening, pilot.id)
    assert screening is not None
    screening.note = SECRETS["screening note"]
    session.commit()
    add_stage_report(pilot, staff["officer"], public=False, worked=SECRETS["internal learning"],
                     note=SECRETS["officer's note"])
    add_stage_report(pilot, staff["officer"], public=True, worked=PUBLISHED,
                     note=SECRETS["officer's note"])
    add_stage_report(pilot, staff["officer"], public=True, approve=False,
                     worked=SECRETS["unapproved learning"])
    return pilot


PUBLISHED = "Föräldrarna kom när vi bjöd på middag."


def test_no_public_page_shows_personal_data_scores_notes_or_internal_learnings(
    secret_case, client
):
    pilot = secret_case
    applicant = owner_of(pilot)
    record = page(client.get(f"/piloter/{pilot.reference}")).one("main")
    assert PUBLISHED in record.one("section", id="lardom-delrapport-2").text
    assert session.scalar(sa.select(sa.func.count()).select_from(Report).where(
        Report.learned_worked.in_([SECRETS["internal learning"],
                                   SECRETS["unapproved learning"]]))) == 2

    for url in ["/", "/piloter", f"/piloter/{pilot.reference}", "/piloter?q=pilot",
                "/larande", "/larande.atom"]:
        body = client.get(url).get_data(as_text=True)
        for what, secret in SECRETS.items():
            assert secret not in body, f"{what} on {url}"
        assert applicant.email not in body and applicant.name not in body, url


def test_searching_for_a_secret_finds_nothing(secret_case, client):
    for secret in SECRETS.values():
        assert listed(client, "?q=" + secret.split()[0]) == [], secret
