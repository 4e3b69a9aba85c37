"""learnlib.exercises.folded: a solution's printout comes back folded in an HTML <details>, and as plain text."""

import pytest
from IPython.core.interactiveshell import InteractiveShell

import learnlib as ll
from learnlib.exercises import details_html


@pytest.fixture
def shown(monkeypatch):
    """What `folded` hands to IPython's display, as if it ran in a notebook."""
    bundles = []
    monkeypatch.setattr(InteractiveShell, "initialized", classmethod(lambda cls: True))
    monkeypatch.setattr("IPython.display.display", lambda bundle, raw: bundles.append((bundle, raw)))
    return bundles


def test_in_a_notebook_the_printout_is_folded_html_with_the_same_plain_text(shown, capsys):
    with ll.folded():
        print("28x28 -> 12x12")
        print("a < b & c")
    assert capsys.readouterr().out == ""  # nothing printed unfolded
    [(bundle, raw)] = shown
    assert raw is True
    assert bundle["text/plain"] == "28x28 -> 12x12\na < b & c\n"
    assert bundle["text/html"] == ("<details><summary>Output: click to show</summary>"
                                   "<pre>28x28 -&gt; 12x12\na &lt; b &amp; c\n</pre></details>")
    assert "<details open" not in bundle["text/html"]


def test_the_summary_is_escaped_too():
    assert details_html("x < 1", "") == "<details><summary>x &lt; 1</summary><pre></pre></details>"


def test_nothing_printed_shows_nothing(shown):
    with ll.folded():
        pass
    assert shown == []


def test_an_error_shows_what_ran_before_it_unfolded_and_propagates(shown, capsys):
    with pytest.raises(ZeroDivisionError), ll.folded():
        print("before")
        1 / 0  # noqa: B018
    assert capsys.readouterr().out == "before\n"
    assert shown == []


def test_stderr_is_not_folded(shown, capsys):
    import sys

    with ll.folded():
        print("warning text", file=sys.stderr)
    assert capsys.readouterr().err == "warning text\n"
    assert shown == []


def test_outside_ipython_it_prints_plainly(monkeypatch, capsys):
    monkeypatch.setattr(InteractiveShell, "initialized", classmethod(lambda cls: False))
    with ll.folded():
        print("answer")
    assert capsys.readouterr().out == "answer\n"
