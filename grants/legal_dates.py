"""Legal dates: Swedish public holidays and the deadline for appealing a decision.

A regional decision is reviewed by *laglighetsprövning* (kommunallagen (2017:725) 13 kap.): an
appeal must reach the förvaltningsrätt within three weeks from the day the approval of the
minutes was posted on the region's notice board (13 kap. 6 §). When the last day of a period set
by statute falls on a Saturday, a Sunday, a public holiday, midsommarafton, julafton or
nyårsafton, lag (1930:173) om beräkning av lagstadgad tid lets the act be done on the next
weekday instead.

Pure functions of dates: no clock, no database.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

APPEAL_PERIOD = timedelta(weeks=3)
"""Kommunallagen 13 kap. 6 §: three weeks from the day the approved minutes were posted."""


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_weekday_on_or_after(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7)


@cache
def _holidays(year: int) -> frozenset[date]:
    easter = easter_sunday(year)
    # Midsommarafton is the Friday between 19 and 25 June; alla helgons dag the Saturday
    # between 31 October and 6 November (lag (1989:253) om allmänna helgdagar).
    midsummer_eve = _first_weekday_on_or_after(date(year, 6, 19), 4)
    all_saints = _first_weekday_on_or_after(date(year, 10, 31), 5)
    return frozenset({
        date(year, 1, 1),                    # nyårsdagen
        date(year, 1, 6),                    # trettondedag jul
        easter - timedelta(days=2),          # långfredagen
        easter,                              # påskdagen
        easter + timedelta(days=1),          # annandag påsk
        date(year, 5, 1),                    # första maj
        easter + timedelta(days=39),         # Kristi himmelsfärdsdag
        easter + timedelta(days=49),         # pingstdagen (a Sunday, listed for completeness)
        date(year, 6, 6),                    # Sveriges nationaldag
        midsummer_eve,                       # midsommarafton (lag 1930:173)
        midsummer_eve + timedelta(days=1),   # midsommardagen
        all_saints,                          # alla helgons dag
        date(year, 12, 24),                  # julafton (lag 1930:173)
        date(year, 12, 25),                  # juldagen
        date(year, 12, 26),                  # annandag jul
        date(year, 12, 31),                  # nyårsafton (lag 1930:173)
    })


def swedish_public_holidays(year: int) -> set[date]:
    """The days in ``year`` on which a statutory deadline cannot end, besides weekends.

    The public holidays of lag (1989:253) om allmänna helgdagar — nyårsdagen, trettondedag jul,
    långfredagen, påskdagen, annandag påsk, första maj, Kristi himmelsfärdsdag, pingstdagen,
    nationaldagen 6 juni, midsommardagen, alla helgons dag, juldagen, annandag jul — plus
    midsommarafton, julafton and nyårsafton, which lag (1930:173) om beräkning av lagstadgad tid
    treats the same way. Easter is computed with the anonymous Gregorian algorithm.

    Returns a new set each call, so callers may change it freely.
    """
    return set(_holidays(year))


def is_working_day(day: date) -> bool:
    """True if ``day`` is a Monday–Friday not in :func:`swedish_public_holidays`."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def appeal_deadline(minutes_posted: date) -> date:
    """The last day to appeal a decision whose approved minutes were posted on ``minutes_posted``.

    Three weeks (21 days) from the day the approval of the minutes was posted on the region's
    notice board (kommunallagen 13 kap. 6 §). If that day is a Saturday, a Sunday or a day in
    :func:`swedish_public_holidays`, the deadline moves to the next weekday that is not such a
    day (lag (1930:173) om beräkning av lagstadgad tid).
    """
    deadline = minutes_posted + APPEAL_PERIOD
    while not is_working_day(deadline):
        deadline += timedelta(days=1)
    return deadline
