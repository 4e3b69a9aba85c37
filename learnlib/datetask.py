"""A fine-tuning task made by code (notebook 10): rewrite a date written the way people write it as ISO YYYY-MM-DD.

"August 4, 1999", "4th of August 1999", "Aug. 4 1999", "1999年8月4日" -> "1999-08-04". Examples come from a
seeded generator, so the data set is the same on every machine and needs no download; the training and
held-out sets never share a date; an answer is graded by the first YYYY-MM-DD in the reply, exactly.
"""

from __future__ import annotations

import datetime as dt
import random
import re

from .errors import check_positive_ints

INSTRUCTION = "Rewrite this date in ISO format (YYYY-MM-DD). Reply with the date only."
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
FIRST, LAST = dt.date(1900, 1, 1), dt.date(2099, 12, 31)


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _short(month: int) -> str:
    name = MONTHS[month - 1]
    return name if len(name) <= 4 else name[:3] + "."  # May, June, July stay whole; Sept. is Sep. here


# How people write a date: each format turns a datetime.date into text.
FORMATS = {
    "month day, year": lambda d: f"{MONTHS[d.month - 1]} {d.day}, {d.year}",
    "day month year": lambda d: f"{d.day} {MONTHS[d.month - 1]} {d.year}",
    "short month": lambda d: f"{_short(d.month)} {d.day} {d.year}",
    "ordinal": lambda d: f"the {_ordinal(d.day)} of {MONTHS[d.month - 1]}, {d.year}",
    "weekday": lambda d: f"{d.strftime('%A')}, {MONTHS[d.month - 1]} {_ordinal(d.day)} {d.year}",
    "day-mon-year": lambda d: f"{d.day:02d}-{MONTHS[d.month - 1][:3]}-{d.year}",
    "chinese": lambda d: f"{d.year}年{d.month}月{d.day}日",
}


def make_date_splits(n_train: int, n_test: int, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """Return (train, test): lists of {"text", "format", "answer"}; no date appears in both; the same for a seed."""
    check_positive_ints(n_train=n_train, n_test=n_test)
    span = (LAST - FIRST).days + 1
    if n_train + n_test > span:
        raise ValueError(f"Only {span:,} distinct dates exist between {FIRST} and {LAST}; ask for fewer examples.")
    rng = random.Random(seed)
    days = rng.sample(range(span), n_train + n_test)  # distinct dates: the split cannot leak one
    names = list(FORMATS)
    examples = []
    for i, offset in enumerate(days):
        date = FIRST + dt.timedelta(days=offset)
        fmt = names[i % len(names)]  # every format equally often, in both splits
        examples.append({"text": FORMATS[fmt](date), "format": fmt, "answer": date.isoformat()})
    return examples[:n_train], examples[n_train:]


ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def grade_date(reply: str, answer: str) -> bool:
    """True when the first YYYY-MM-DD in `reply` is `answer`; a reply without one is wrong."""
    found = ISO.search(reply)
    return found is not None and found.group(0) == answer
