"""The fund's rules are an admin setting: changed with a reason, logged, and applied to submits."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from grants.completeness import fund_settings, problem_messages
from grants.db import session
from grants.models import FundSettingsChange
from tests.conftest import csrf_token
from tests.web.conftest import page

URL = "/admin/installningar"


def _post(client, **values: str):
    data = {"max_support_share_percent": "50", "max_grant_per_pilot": "150 000",
            "last_project_date": "2030-12-31", "reason": "Nytt beslut i styrgruppen.", **values}
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
