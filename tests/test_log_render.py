"""Log bodies as HTML: escaped always, ANSI colours as classed spans, matches marked."""

from __future__ import annotations

from console.logs.render import lines_html, log_body_html


def test_it_escapes_markup():
    html = log_body_html('<script>alert(1)</script> & "x"')
    assert html == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"


def test_it_marks_every_keyword_occurrence_and_merges_overlaps():
    assert log_body_html("GET /a GET", ["GET"]) == "<mark>GET</mark> /a <mark>GET</mark>"
    assert log_body_html("abcd", ["abc", "bcd"]) == "<mark>abcd</mark>"


def test_it_turns_colours_into_classes_and_drops_other_escapes():
    html = log_body_html("\x1b[1;31mERROR\x1b[0m done\x1b[2K\x1b]0;title\x07")
    assert html == '<span class="a-f1 a-bold">ERROR</span> done'


def test_a_mark_inside_a_coloured_run_keeps_both():
    html = log_body_html("\x1b[32mcache hit\x1b[0m", ["hit"])
    assert html == '<span class="a-f2">cache </span><span class="a-f2"><mark>hit</mark></span>'


def test_it_shows_control_characters_as_symbols_and_keeps_newlines():
    assert log_body_html("a\x00b\x07c\nd\x1b") == "a\u2400b\u2407c\nd"


def test_markup_inside_an_escape_sequence_is_text_or_dropped():
    html = log_body_html("\x1b]8;;javascript:alert(1)\x07<b>link</b>\x1b]8;;\x07")
    assert html == "&lt;b&gt;link&lt;/b&gt;"


def test_256_colours_below_16_get_a_class_and_true_colour_is_plain():
    assert log_body_html("\x1b[38;5;9mx") == '<span class="a-f9">x</span>'
    assert log_body_html("\x1b[38;2;255;0;0my") == "y"


def test_lines_carry_time_and_body():
    html = lines_html([(5, "00:00:00.000", log_body_html("<i>"))])
    assert (
        html == '<li><time title="5 ns">00:00:00.000</time><span class="body">&lt;i&gt;</span></li>'
    )
