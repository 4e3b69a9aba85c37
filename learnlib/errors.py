"""Error text for people (notebooks 04 and 05): a library's error as a one-line reason in ours, and argument checks.

learnlib re-raises torch's and torchvision's errors with the learner's context (which file, which
argument, what to do); the original message, squeezed onto one line, goes in as the reason.
"""

from __future__ import annotations


def one_line(exc: BaseException, limit: int = 300) -> str:
    """Return `exc`'s message with all whitespace runs collapsed, cut to `limit` characters (else its type name)."""
    if limit < 1:
        raise ValueError(f"limit must be a positive number of characters, got {limit!r}.")
    text = " ".join(str(exc).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text or type(exc).__name__


def check_flags(**flags: bool) -> None:
    """Raise a TypeError naming any flag that is not True or False (e.g. load_mnist(train="test"))."""
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be True or False, got {value!r}. The data root is the first argument "
                            f"(root=...); pass train=False for the test split.")


def check_positive_ints(**values: object) -> None:
    """Raise a ValueError naming the first value that is not a positive integer (bools are not integers here)."""
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
