"""Captions timed to the film, as SRT and WebVTT, and drawn for burning."""

from __future__ import annotations

import numpy as np

from storyboard._export.captions import Cue, Shot, caption_image, cues, srt, webvtt


def test_captions_of_a_plain_cut_span_their_scenes() -> None:
    shots = [Shot(48, "One."), Shot(24, None), Shot(48, "  Three.  ")]
    assert cues(shots, 0, 24) == [Cue(0.0, 2.0, "One."), Cue(3.0, 5.0, "Three.")]


def test_crossfades_split_each_overlap_between_neighbours() -> None:
    shots = [Shot(48, "One."), Shot(48, "Two."), Shot(48, "Three.")]
    assert cues(shots, 12, 24) == [
        Cue(0.0, 1.75, "One."),
        Cue(1.75, 3.25, "Two."),
        Cue(3.25, 5.0, "Three."),
    ]


def test_a_title_card_delays_every_caption() -> None:
    shots = [Shot(72, None), Shot(48, "One."), Shot(48, "Two.")]
    assert cues(shots, 0, 24) == [Cue(3.0, 5.0, "One."), Cue(5.0, 7.0, "Two.")]
    assert cues(shots, 12, 24)[0] == Cue(2.75, 4.25, "One.")


def test_srt_and_webvtt_text() -> None:
    captions = [Cue(0.0, 1.75, "One."), Cue(3661.5, 3662.0, "Two\nlines.")]
    assert srt(captions) == (
        "1\n00:00:00,000 --> 00:00:01,750\nOne.\n\n2\n01:01:01,500 --> 01:01:02,000\nTwo\nlines.\n"
    )
    assert webvtt(captions) == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.750\nOne.\n\n"
        "01:01:01.500 --> 01:01:02.000\nTwo\nlines.\n"
    )
    assert srt([]) == "" and webvtt([]) == "WEBVTT\n"


def test_caption_image_is_white_text_in_a_dark_box_at_the_bottom_centre() -> None:
    pixels = np.asarray(
        caption_image("Launch day, and a long line that has to wrap " * 3, 854, 480)
    )
    alpha = pixels[:, :, 3]
    assert alpha[:300].max() == 0  # nothing above the bottom band
    rows, columns = np.nonzero(alpha)
    assert rows.min() > 300 and rows.max() < 480
    assert abs((columns.min() + columns.max()) / 2 - 427) <= 2
    white = (pixels[:, :, :3].min(axis=2) > 240) & (alpha == 255)
    assert white.sum() > 500
    assert 100 < np.median(alpha[alpha > 0]) < 255  # a translucent box around the text


def cue_count_srt(text: str) -> int:
    """Cues as a player finds them: blocks separated by blank lines, each with a timing."""
    return sum(" --> " in block for block in text.split("\n\n") if block.strip())


def test_a_multi_line_caption_stays_one_cue() -> None:
    written = "First line.\n\n   \nSecond\tline,\r\nthird\x07 line --> on.\n\n"
    shots = [Shot(48, written), Shot(48, "Next.")]
    found = cues(shots, 0, 24)

    assert [cue.text for cue in found] == [
        "First line.\nSecond line,\nthird line → on.",
        "Next.",
    ]
    assert cue_count_srt(srt(found)) == 2
    vtt = webvtt(found)
    assert cue_count_srt(vtt) == 2
    assert vtt.count("-->") == 2  # only the timings


def test_webvtt_escapes_what_would_read_as_markup() -> None:
    vtt = webvtt([Cue(0.0, 1.0, "Tom & Jerry <3")])
    assert "Tom &amp; Jerry &lt;3" in vtt
