"""실시간 누적시간: the sum of confirmed activities, each counted once."""

from uuid import uuid4

from vms_rewards import domain


def test_each_activity_counts_once_however_often_it_arrives() -> None:
    volunteer, activity = uuid4(), uuid4()
    entries = [domain.LedgerEntry(activity, volunteer, 210), domain.LedgerEntry(activity, volunteer, 210)]
    assert domain.totals_by_volunteer(entries) == {volunteer: domain.Total(210, 1)}


def test_totals_are_per_volunteer() -> None:
    a, b = uuid4(), uuid4()
    entries = [
        domain.LedgerEntry(uuid4(), a, 210),
        domain.LedgerEntry(uuid4(), a, 60),
        domain.LedgerEntry(uuid4(), b, 240),
    ]
    assert domain.totals_by_volunteer(entries) == {a: domain.Total(270, 2), b: domain.Total(240, 1)}


def test_a_later_entry_for_an_activity_replaces_the_earlier() -> None:
    volunteer, activity = uuid4(), uuid4()
    entries = [domain.LedgerEntry(activity, volunteer, 210), domain.LedgerEntry(activity, volunteer, 180)]
    assert domain.totals_by_volunteer(entries)[volunteer] == domain.Total(180, 1)
