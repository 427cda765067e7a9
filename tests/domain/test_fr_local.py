"""Database timestamps are UTC; the agent reads Paris days."""

from datetime import UTC, datetime

from mairie_tui.domain import fr


def test_local_date_of_a_utc_instant_is_the_paris_day():
    # 16/09/2020 00:00 in Paris is 15/09/2020 22:00 UTC.
    assert fr.local_date(datetime(2020, 9, 15, 22, 0, tzinfo=UTC)).isoformat() == "2020-09-16"
    assert fr.local_date(datetime(2020, 9, 15, 21, 59, tzinfo=UTC)).isoformat() == "2020-09-15"
    assert fr.date_time(datetime(2020, 9, 15, 22, 0, tzinfo=UTC)) == "mercredi 16/09/2020 à 00h00"
