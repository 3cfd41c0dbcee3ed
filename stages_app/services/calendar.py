"""School-year and week arithmetic (1 September – 31 August; weeks start on Monday)."""

from __future__ import annotations

import datetime as dt

MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def school_year_of(day: dt.date) -> int:
    """The year of the 1 September that starts the school year containing ``day``."""
    return day.year if day.month >= 9 else day.year - 1


def school_year_bounds(start_year: int) -> tuple[dt.date, dt.date]:
    return dt.date(start_year, 9, 1), dt.date(start_year + 1, 8, 31)


def school_year_label(start_year: int) -> str:
    return f"{start_year}-{start_year + 1}"


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_friday(monday: dt.date) -> dt.date:
    return monday + dt.timedelta(days=4)


def fr_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def week_label(monday: dt.date) -> str:
    """'du 7 au 11 décembre 2026' / 'du 29 mars au 2 avril 2027'."""
    friday = week_friday(monday)
    if monday.month == friday.month:
        return f"du {monday.day} au {friday.day} {MONTHS[friday.month - 1]} {friday.year}"
    if monday.year == friday.year:
        return (
            f"du {monday.day} {MONTHS[monday.month - 1]} au {friday.day} "
            f"{MONTHS[friday.month - 1]} {friday.year}"
        )
    return f"du {fr_date(monday)} au {fr_date(friday)}"
