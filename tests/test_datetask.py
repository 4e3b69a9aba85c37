import datetime as dt

import pytest

from learnlib.datetask import FORMATS, grade_date, make_date_splits


def test_formats_write_the_date_as_people_do():
    d = dt.date(1999, 8, 4)
    assert [f(d) for f in FORMATS.values()] == [
        "August 4, 1999", "4 August 1999", "Aug. 4 1999", "the 4th of August, 1999", "Wednesday, August 4th 1999",
        "04-Aug-1999", "1999年8月4日"]
    assert FORMATS["ordinal"](dt.date(2011, 5, 12)) == "the 12th of May, 2011"
    assert FORMATS["short month"](dt.date(2011, 5, 22)) == "May 22 2011"


def test_splits_are_seeded_disjoint_and_balanced():
    train, test = make_date_splits(700, 210, seed=3)
    assert (len(train), len(test)) == (700, 210)
    assert make_date_splits(700, 210, seed=3) == (train, test)
    assert make_date_splits(700, 210, seed=4) != (train, test)
    assert not {e["answer"] for e in train} & {e["answer"] for e in test}
    assert {e["format"] for e in test} == set(FORMATS)
    for e in train[:50] + test[:50]:
        date = dt.date.fromisoformat(e["answer"])
        assert FORMATS[e["format"]](date) == e["text"]


def test_grading_takes_the_first_iso_date():
    assert grade_date("1999-08-04", "1999-08-04")
    assert grade_date("The date is 1999-08-04.", "1999-08-04")
    assert not grade_date("1999-08-4", "1999-08-04")
    assert not grade_date("1999-04-08 or 1999-08-04", "1999-08-04")
    assert not grade_date("August 4, 1999", "1999-08-04")


def test_asking_for_too_much():
    with pytest.raises(ValueError, match="distinct dates"):
        make_date_splits(80_000, 10)
    with pytest.raises(ValueError, match="n_test must be a positive integer"):
        make_date_splits(10, 0)
