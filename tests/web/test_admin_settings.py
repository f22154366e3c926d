"""The fund's rules are an admin setting: changed with a reason, logged, and applied to submits."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from grants.completeness import fund_settings, problem_messages
from grants.db import session
from grants.models import FundSettingsChange, LetterText, LetterTextKey
from grants.operations import assessment
from grants.operations.decisions import decider_problems
from grants.operations.errors import InvalidInput, NotPermitted
from grants.operations.settings import change_fund_settings, save_letter_text
from tests.conftest import csrf_token
from tests.web.conftest import error_summary, field_error, page
from workflows import State

URL = "/admin/installningar"


def _post(client, **values: str):
    data = {"max_support_share_percent": "50", "max_grant_per_pilot": "150 000",
            "last_project_date": "2030-12-31", "reviewers_below": "1",
            "reviewer_threshold": "50 000", "reviewers_at_or_above": "2",
            "reason": "Nytt beslut i styrgruppen.", **values}
    return client.post(URL, data={"csrf_token": csrf_token(client, URL), **data})


def test_an_admin_changes_the_rules_with_a_reason_and_the_change_is_logged(
    make_user, signed_in
) -> None:
    admin = make_user("admin")
    client = signed_in(admin)
    before = fund_settings().max_grant_per_pilot

    response = _post(client, max_support_share_percent="40", max_grant_per_pilot="80 000 kr")

    assert response.status_code == 302
    session.expire_all()
    settings = fund_settings()
    assert (settings.max_support_share_percent, settings.max_grant_per_pilot) == (40, 80_000)
    [change] = session.scalars(sa.select(FundSettingsChange)).all()
    assert change.actor_id == admin.id and change.reason == "Nytt beslut i styrgruppen."
    assert change.before["max_grant_per_pilot"] == before
    assert change.after["max_grant_per_pilot"] == 80_000
    shown = page(client.get(URL)).raw_text
    assert "Nytt beslut i styrgruppen." in shown and "80\u00a0000\u00a0kr" in shown


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"max_support_share_percent": "0"}, "max_support_share_percent", "mellan 1 och 100"),
    ({"max_support_share_percent": "150"}, "max_support_share_percent", "orimligt stort"),
    ({"max_support_share_percent": "femtio"}, "max_support_share_percent", "hela tal"),
    ({"max_grant_per_pilot": "12,50"}, "max_grant_per_pilot", "utan ören"),
    ({"max_grant_per_pilot": "0"}, "max_grant_per_pilot", "större än 0 kr"),
    ({"last_project_date": "31/12/2030"}, "last_project_date", "ÅÅÅÅ-MM-DD"),
    ({"reason": ""}, "reason", "Skriv varför"),
])
def test_bad_rules_are_refused_at_the_field_and_keep_what_was_typed(
    make_user, signed_in, values: dict[str, str], field: str, message: str
) -> None:
    client = signed_in(make_user("admin"))

    response = _post(client, **values)

    assert response.status_code == 422
    doc = page(response)
    error = doc.find(id=f"{field}-error")
    assert error is not None and message in error.text
    typed = next(iter(values.values()))
    control = doc.one(attrs={"name": field})
    assert control.value == typed
    session.expire_all()
    assert fund_settings().max_support_share_percent == 50
    assert session.scalar(sa.select(sa.func.count()).select_from(FundSettingsChange)) == 0


def test_a_lower_pilot_maximum_applies_to_the_next_submission(make_application, make_user,
                                                               signed_in) -> None:
    draft = make_application()  # complete: asks for 100 000 kr
    assert problem_messages(draft) == []
    client = signed_in(make_user("admin"))

    assert _post(client, max_grant_per_pilot="80 000").status_code == 302

    session.expire_all()
    assert any("högst 80\u00a0000\u00a0kr per pilot" in m for m in problem_messages(draft))


@pytest.mark.parametrize("role", ["applicant", "officer", "decider", "finance", "reviewer"])
def test_only_admins_can_change_the_rules(make_user, signed_in, role: str) -> None:
    client = signed_in(make_user(role))

    response = client.post(URL, data={"csrf_token": csrf_token(client, "/"),
                                      "max_support_share_percent": "90",
                                      "max_grant_per_pilot": "900 000",
                                      "last_project_date": "2040-01-01", "reason": "x"})

    assert response.status_code == 403
    session.expire_all()
    assert fund_settings().max_support_share_percent == 50


# Reviewers ---------------------------------------------------------------------------------------


def test_the_reviewer_settings_are_saved_and_logged_with_before_and_after(
    make_user, signed_in
) -> None:
    admin = make_user("admin")
    client = signed_in(admin)

    response = _post(client, reviewers_below="2", reviewer_threshold="80 000 kr",
                     reviewers_at_or_above="3", reviewer_may_decide="y")

    assert response.status_code == 302
    session.expire_all()
    settings = fund_settings()
    assert (settings.reviewers_below, settings.reviewer_threshold,
            settings.reviewers_at_or_above, settings.reviewer_may_decide) == (2, 80_000, 3, True)
    [change] = session.scalars(sa.select(FundSettingsChange)).all()
    assert {k: change.before[k] for k in ("reviewers_below", "reviewer_threshold",
                                          "reviewers_at_or_above", "reviewer_may_decide")} == {
        "reviewers_below": 1, "reviewer_threshold": 50_000, "reviewers_at_or_above": 2,
        "reviewer_may_decide": False}
    assert {k: change.after[k] for k in ("reviewers_below", "reviewer_threshold",
                                         "reviewers_at_or_above", "reviewer_may_decide")} == {
        "reviewers_below": 2, "reviewer_threshold": 80_000, "reviewers_at_or_above": 3,
        "reviewer_may_decide": True}
    doc = page(client.get(URL))
    assert doc.one(attrs={"name": "reviewers_below"}).value == "2"
    assert doc.one(attrs={"name": "reviewer_threshold"}).value == "80 000"
    assert doc.one(attrs={"name": "reviewers_at_or_above"}).value == "3"
    assert "checked" in doc.one(attrs={"name": "reviewer_may_decide"}).attrs
    assert "Beloppsgräns 50\u00a0000\u00a0kr → 80\u00a0000\u00a0kr" in doc.raw_text
    assert "Granskare får besluta nej → ja" in doc.raw_text


def test_unticking_the_box_means_a_reviewer_may_not_decide(make_user, signed_in) -> None:
    client = signed_in(make_user("admin"))
    assert _post(client, reviewer_may_decide="y").status_code == 302

    assert _post(client).status_code == 302  # a checkbox left unticked is not posted at all

    session.expire_all()
    assert fund_settings().reviewer_may_decide is False


def test_the_number_of_reviewers_depends_on_the_amount_requested(make_user, signed_in) -> None:
    client = signed_in(make_user("admin"))

    assert _post(client, reviewers_below="1", reviewer_threshold="50 000",
                 reviewers_at_or_above="3").status_code == 302

    session.expire_all()
    settings = fund_settings()
    assert settings.reviewers_required(49_999) == settings.reviewers_below == 1
    assert settings.reviewers_required(50_000) == settings.reviewers_at_or_above == 3
    assert settings.reviewers_required(1_000_000) == 3


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"reviewers_below": "0"}, "reviewers_below", "mellan 1 och 5"),
    ({"reviewers_below": "6"}, "reviewers_below", "mellan 1 och 5"),
    ({"reviewers_below": "två"}, "reviewers_below", "hela tal"),
    ({"reviewers_below": ""}, "reviewers_below", "Ange antalet granskare"),
    ({"reviewers_at_or_above": "0"}, "reviewers_at_or_above", "mellan 1 och 5"),
    ({"reviewers_at_or_above": "6"}, "reviewers_at_or_above", "mellan 1 och 5"),
    ({"reviewers_at_or_above": "tre"}, "reviewers_at_or_above", "hela tal"),
    ({"reviewer_threshold": "-50 000"}, "reviewer_threshold", "negativt"),
    ({"reviewer_threshold": "femtio tusen"}, "reviewer_threshold", "siffror"),
    ({"reviewer_threshold": ""}, "reviewer_threshold", "Ange beloppsgränsen"),
])
def test_bad_reviewer_settings_are_refused_at_the_field_and_keep_what_was_typed(
    make_user, signed_in, values: dict[str, str], field: str, message: str
) -> None:
    client = signed_in(make_user("admin"))

    kept = {"reviewers_below": "2", "reviewers_at_or_above": "4", **values}

    response = _post(client, **kept)

    assert response.status_code == 422
    doc = page(response)
    assert message in (field_error(doc, field) or "")
    assert message in (error_summary(doc) or "")
    assert doc.one(attrs={"name": field}).value == values[field]
    assert doc.one(attrs={"name": "reviewers_at_or_above"}).value == kept["reviewers_at_or_above"]
    session.expire_all()
    settings = fund_settings()
    assert (settings.reviewers_below, settings.reviewers_at_or_above) == (1, 2)
    assert session.scalar(sa.select(sa.func.count()).select_from(FundSettingsChange)) == 0


def test_the_operation_refuses_reviewer_counts_outside_one_to_five(make_user) -> None:
    admin = make_user("admin")
    current = fund_settings()

    with pytest.raises(InvalidInput) as refused:
        change_fund_settings(
            actor=admin, max_support_share_percent=50, max_grant_per_pilot=150_000,
            last_project_date=current.last_project_date, reason="Test.", reviewers_below=0,
            reviewers_at_or_above=6, reviewer_threshold=-1,
        )

    assert "Antalet granskare ska vara mellan 1 och 5." in refused.value.reasons
    assert "Beloppsgränsen kan inte vara negativ." in refused.value.reasons


# Who may see the admin pages ---------------------------------------------------------------------

ADMIN_PAGES = [URL, "/admin/bedomningsmallar", "/admin/bedomningsmallar/ny",
               "/admin/beslutstexter"]


@pytest.mark.parametrize("url", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["applicant", "reviewer", "officer", "decider", "finance"])
def test_only_admins_see_the_admin_pages(make_user, signed_in, url: str, role: str) -> None:
    client = signed_in(make_user(role))

    assert client.get(url).status_code == 403
    if url != "/admin/bedomningsmallar":  # the list of versions is only read
        assert client.post(url, data={"csrf_token": csrf_token(client, "/")}).status_code == 403


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/logga-in")


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_an_admin_sees_each_admin_page_with_links_to_the_others(
    make_user, signed_in, url: str
) -> None:
    doc = page(response := signed_in(make_user("admin")).get(url))

    assert response.status_code == 200
    assert len(doc.find_all("h1")) == 1
    nav = doc.one("nav", attrs={"aria-label": "Administration"})
    links = {a.attrs["href"] for a in nav.find_all("a")}
    assert {URL, "/admin/bedomningsmallar", "/admin/beslutstexter"} <= links


# Letter texts ------------------------------------------------------------------------------------

TEXTS = "/admin/beslutstexter"
NEW_APPEAL = ("Beslutet kan överklagas genom laglighetsprövning.\r\n\r\nÖverklagandet ska ha "
              "kommit in senast {sista_dag}. Tillkännagivandet anslogs den {anslagsdag}.")


def _post_text(client, **values: str):
    data = {"key": "appeal_grant", "text": NEW_APPEAL, "reason": "Ny adress till regionen.",
            **values}
    return client.post(TEXTS, data={"csrf_token": csrf_token(client, TEXTS), **data})


def _versions(key: str) -> list[tuple[int, str]]:
    session.expire_all()
    return [(t.version, t.text) for t in session.scalars(
        sa.select(LetterText).where(LetterText.key == key).order_by(LetterText.version))]


def test_the_admin_page_shows_the_newest_version_of_each_letter_text(make_user,
                                                                     signed_in) -> None:
    doc = page(signed_in(make_user("admin")).get(TEXTS))

    for key in LetterTextKey:
        section = doc.one("section", attrs={"aria-labelledby": f"text-{key.value}"})
        assert key.label in section.text and "Version 1" in section.text
    assert "{sista_dag}" in doc.one("section", attrs={
        "aria-labelledby": "text-appeal_grant"}).raw_text


def test_saving_a_letter_text_adds_a_version_and_keeps_the_old_one(make_user, signed_in) -> None:
    admin = make_user("admin")
    client = signed_in(admin)
    [(version, original)] = _versions("appeal_grant")
    assert version == 1

    response = _post_text(client)

    assert response.status_code == 302
    versions = _versions("appeal_grant")
    assert versions[0] == (1, original)
    assert versions[1][0] == 2
    assert versions[1][1] == NEW_APPEAL.replace("\r\n", "\n")  # paragraphs split on "\n\n"
    new = session.scalars(sa.select(LetterText).where(LetterText.version == 2)).one()
    assert new.created_by_id == admin.id and len(new.paragraphs) == 2
    [change] = session.scalars(sa.select(FundSettingsChange)).all()
    assert (change.actor_id, change.reason) == (admin.id, "Ny adress till regionen.")
    assert change.before == {"letter_text": "appeal_grant", "version": 1}
    assert change.after == {"letter_text": "appeal_grant", "version": 2}
    assert [v for v, _ in _versions("appeal_reject")] == [1]
    shown = page(client.get(response.headers["Location"]))
    section = shown.one("section", attrs={"aria-labelledby": "text-appeal_grant"})
    assert "Version 2" in section.text and "laglighetsprövning." in section.text
    assert "Ny adress till regionen." in shown.raw_text


def test_a_new_appeal_text_is_used_by_decisions_made_afterwards(
    make_application, make_user, signed_in
) -> None:
    before = make_application(State.GRANTED)
    old_letter = before.decisions[-1].letter
    assert _post_text(signed_in(make_user("admin"))).status_code == 302

    after = make_application(State.GRANTED)

    session.expire_all()
    new_letter = after.decisions[-1].letter
    assert new_letter.snapshot["text_versions"]["appeal_grant"] == 2
    assert new_letter.snapshot["appeal_text"].startswith(
        "Beslutet kan överklagas genom laglighetsprövning.")
    assert "{sista_dag}" not in new_letter.snapshot["appeal_text"]
    assert old_letter.snapshot["text_versions"]["appeal_grant"] == 1
    assert "Box 1613" in old_letter.snapshot["appeal_text"]


@pytest.mark.parametrize(("values", "message"), [
    ({"text": "Beslutet kan överklagas senast {sista_dag}."}, "{anslagsdag}"),
    ({"text": "Beslutet kan överklagas inom tre veckor."}, "måste innehålla {sista_dag}"),
    ({"text": "   "}, "kan inte vara tom"),
    ({"text": NEW_APPEAL.replace("{sista_dag}", "{sista dagen}")}, "saknas: {sista_dag}"),
    ({"key": "conditions", "text": "Rapportera senast {sista_dag}."}, "fylls inte i"),
    ({"key": "appeal_reject", "text": NEW_APPEAL + " Se {bilaga}."}, "{bilaga}"),
])
def test_a_bad_letter_text_is_refused_with_the_reason_and_kept(
    make_user, signed_in, values: dict[str, str], message: str
) -> None:
    client = signed_in(make_user("admin"))

    response = _post_text(client, **values)

    assert response.status_code == 422
    doc = page(response)
    assert message in (field_error(doc, "text") or "")
    assert message in (error_summary(doc) or "")
    assert doc.one("textarea", attrs={"name": "text"}).value.replace("\r\n", "\n") == \
        values["text"].replace("\r\n", "\n")
    assert doc.one("textarea", attrs={"name": "reason"}).value == "Ny adress till regionen."
    assert all([v for v, _ in _versions(key.value)] == [1] for key in LetterTextKey)


def test_the_placeholder_message_explains_what_they_are_filled_with(make_user,
                                                                    signed_in) -> None:
    response = _post_text(signed_in(make_user("admin")), text="Överklaga inom tre veckor.")

    message = field_error(page(response), "text") or ""
    assert "sista dagen att överklaga" in message and "protokollet anslogs" in message


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"reason": ""}, "reason", "Skriv varför texten ändras"),
    ({"key": "greeting"}, "key", "Välj ett av alternativen"),
])
def test_a_letter_text_needs_a_reason_and_a_known_key(
    make_user, signed_in, values: dict[str, str], field: str, message: str
) -> None:
    response = _post_text(signed_in(make_user("admin")), **values)

    assert response.status_code == 422
    assert message in (field_error(page(response), field) or "")
    assert [v for v, _ in _versions("appeal_grant")] == [1]


def test_saving_the_same_text_again_makes_no_new_version(make_user, signed_in) -> None:
    client = signed_in(make_user("admin"))
    [(version, original)] = _versions("provisions")
    assert version == 1

    response = _post_text(client, key="provisions", text=original.replace("\n", "\r\n"))

    assert response.status_code == 422
    assert "densamma som den nuvarande" in (error_summary(page(response)) or "")
    assert [v for v, _ in _versions("provisions")] == [1]


def test_the_link_to_write_a_new_version_fills_in_the_current_text(make_user,
                                                                   signed_in) -> None:
    client = signed_in(make_user("admin"))
    [(version, original)] = _versions("appeal_reject")
    assert version == 1

    doc = page(client.get(f"{TEXTS}?text=appeal_reject"))

    assert doc.one("textarea", attrs={"name": "text"}).value.replace("\r\n", "\n") == original
    selected = doc.one("select", attrs={"name": "key"}).find("option", selected="")
    assert selected is not None and selected.attrs["value"] == "appeal_reject"


def test_only_an_admin_may_save_a_letter_text(make_user) -> None:
    with pytest.raises(NotPermitted):
        save_letter_text(actor=make_user("officer", "decider"), key="provisions",
                         text="Ny text.", reason="Test.")
    assert [v for v, _ in _versions("provisions")] == [1]


def test_the_box_decides_whether_the_cases_own_reviewer_may_decide_it(
    make_application, make_user, signed_in, staff
) -> None:
    application = make_application(State.SUBMITTED)
    reviewer_and_decider = make_user("reviewer", "decider")
    assessment.save_screening(application, actor=staff["officer"], complete=True,
                              eligible_applicant=True, within_aims=True, state_aid_handled=True)
    review = assessment.assign_reviewer(application, actor=staff["officer"],
                                        reviewer=reviewer_and_decider)
    assessment.declare_jav(review, actor=reviewer_and_decider, disqualified=False)
    assessment.save_review(
        review, actor=reviewer_and_decider,
        scores={c.id: (2, "Motivering.") for c in review.rubric.scored},
        ratings={c.id: ("active", "") for c in review.rubric.horizontal},
        recommendation="grant_full", recommended_amount=None, comment="", submit=True,
    )
    session.commit()
    assert any("får enligt fondens regler inte" in p
               for p in decider_problems(application, reviewer_and_decider))

    assert _post(signed_in(make_user("admin")), reviewer_may_decide="y").status_code == 302

    session.expire_all()
    assert decider_problems(application, reviewer_and_decider) == []
