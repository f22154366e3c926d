"""Swedish public holidays and the appeal deadline (kommunallagen 13 kap. 6 §, lag (1930:173))."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from grants.legal_dates import appeal_deadline, easter_sunday, swedish_public_holidays


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2000, date(2000, 4, 23)),
        (2019, date(2019, 4, 21)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),  # the latest possible date
        (2285, date(2285, 3, 22)),  # the earliest possible date
    ],
)
def test_easter_sunday_matches_known_dates(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter
    holidays = swedish_public_holidays(year)
    assert easter in holidays
    assert easter - timedelta(days=2) in holidays  # långfredagen
    assert easter + timedelta(days=1) in holidays  # annandag påsk
    assert easter + timedelta(days=39) in holidays  # Kristi himmelsfärdsdag


def test_holidays_of_2026_are_exactly_the_statutory_days() -> None:
    assert swedish_public_holidays(2026) == {
        date(2026, 1, 1),    # nyårsdagen
        date(2026, 1, 6),    # trettondedag jul
        date(2026, 4, 3),    # långfredagen
        date(2026, 4, 5),    # påskdagen
        date(2026, 4, 6),    # annandag påsk
        date(2026, 5, 1),    # första maj
        date(2026, 5, 14),   # Kristi himmelsfärdsdag
        date(2026, 5, 24),   # pingstdagen
        date(2026, 6, 6),    # nationaldagen
        date(2026, 6, 19),   # midsommarafton
        date(2026, 6, 20),   # midsommardagen
        date(2026, 10, 31),  # alla helgons dag
        date(2026, 12, 24),  # julafton
        date(2026, 12, 25),  # juldagen
        date(2026, 12, 26),  # annandag jul
        date(2026, 12, 31),  # nyårsafton
    }


@pytest.mark.parametrize(
    ("year", "midsummer_eve", "all_saints"),
    [
        (2024, date(2024, 6, 21), date(2024, 11, 2)),
        (2025, date(2025, 6, 20), date(2025, 11, 1)),
        (2026, date(2026, 6, 19), date(2026, 10, 31)),
        (2027, date(2027, 6, 25), date(2027, 11, 6)),
    ],
)
def test_midsummer_and_all_saints_fall_on_their_fixed_weekday_windows(
    year: int, midsummer_eve: date, all_saints: date
) -> None:
    holidays = swedish_public_holidays(year)
    assert midsummer_eve.weekday() == 4 and date(year, 6, 19) <= midsummer_eve <= date(year, 6, 25)
    assert all_saints.weekday() == 5
    assert {midsummer_eve, midsummer_eve + timedelta(days=1), all_saints} <= holidays


def test_holiday_set_is_a_fresh_copy_each_call() -> None:
    swedish_public_holidays(2026).clear()
    assert date(2026, 12, 25) in swedish_public_holidays(2026)


@pytest.mark.parametrize(
    ("posted", "deadline"),
    [
        # 21 days later is an ordinary weekday: no move.
        (date(2026, 11, 25), date(2026, 12, 16)),
        # Lands on a Saturday → the Monday.
        (date(2026, 2, 7), date(2026, 3, 2)),
        # Lands on a Sunday → the Monday.
        (date(2026, 3, 1), date(2026, 3, 23)),
        # Juldagen (Fri) → annandag jul (Sat) → Sunday → Monday 28 December.
        (date(2026, 12, 4), date(2026, 12, 28)),
        # Julafton (Thu, lag 1930:173) → juldagen, annandag jul, weekend → Monday 28 December.
        (date(2026, 12, 3), date(2026, 12, 28)),
        # Across the new year: nyårsafton 2026 (Thu) → nyårsdagen (Fri) → weekend → 4 January.
        (date(2026, 12, 10), date(2027, 1, 4)),
        # Långfredagen → påskafton (Sat) → påskdagen → annandag påsk → Tuesday.
        (date(2026, 3, 13), date(2026, 4, 7)),
        # Midsommarafton (Fri) → midsommardagen → Sunday → Monday.
        (date(2026, 5, 29), date(2026, 6, 22)),
        # Trettondedag jul on a Thursday → the Friday.
        (date(2027, 12, 16), date(2028, 1, 7)),
    ],
)
def test_appeal_deadline_is_three_weeks_moved_past_weekends_and_holidays(
    posted: date, deadline: date
) -> None:
    assert appeal_deadline(posted) == deadline


def test_appeal_deadline_is_never_earlier_than_three_weeks_and_always_a_working_day() -> None:
    start = date(2024, 1, 1)
    for offset in range(3 * 366):
        posted = start + timedelta(days=offset)
        deadline = appeal_deadline(posted)
        assert deadline >= posted + timedelta(days=21)
        assert deadline.weekday() < 5
        assert deadline not in swedish_public_holidays(deadline.year)
        # Only non-working days lie between three weeks and the deadline.
        day = posted + timedelta(days=21)
        while day < deadline:
            assert day.weekday() >= 5 or day in swedish_public_holidays(day.year)
            day += timedelta(days=1)
