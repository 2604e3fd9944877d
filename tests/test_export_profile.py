"""The film's profile, crossfade lengths, and how sound is kept in step with picture."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import storyboard._export
from storyboard._export.cache import Piece
from storyboard._export.concat import kept_samples
from storyboard._export.profile import AAC_FRAME, Profile, overlap_frames
from storyboard._format import ExportSettings


def test_public_api_is_pinned() -> None:
    assert storyboard._export.__all__ == [
        "TIMELINE_FORMATS",
        "TIMELINE_SUFFIXES",
        "ExportResult",
        "FilmEntry",
        "FilmSpec",
        "TimelineFormat",
        "export_film",
        "export_timeline",
    ]


def test_profile_takes_the_frame_from_aspect_ratio_and_resolution() -> None:
    assert Profile.for_film(ExportSettings(fps=30), "9:16", "720p").size == (720, 1280)
    assert Profile.for_film(ExportSettings(), "16:9", "480p") == Profile(854, 480, 24)


def test_profile_digest_names_every_field() -> None:
    profile = Profile(854, 480, 24)
    assert profile.digest == Profile(854, 480, 24).digest
    assert len({profile.digest, Profile(854, 480, 25).digest, Profile(480, 854, 24).digest}) == 3
    assert Profile(854, 480, 24, crf=23).digest != profile.digest


def test_sound_of_a_piece_is_padded_to_whole_aac_frames() -> None:
    profile = Profile(854, 480, 24)
    assert profile.samples(48) == 96000
    assert profile.padded_samples(48) == 96256 == 94 * AAC_FRAME
    assert profile.padded_samples(128 * 64) % AAC_FRAME == 0


@pytest.mark.parametrize(
    ("transition", "seconds", "lengths", "expected"),
    [
        ("cut", 0.5, [48, 48], 0),
        ("crossfade", 0.5, [48], 0),
        ("crossfade", 0.5, [48, 48, 48], 12),
        ("crossfade", 5.0, [48, 30, 48], 14),
        ("crossfade", 0.01, [48, 48], 1),
    ],
)
def test_overlap_is_the_setting_shortened_to_leave_every_shot_a_body(
    transition: str, seconds: float, lengths: list[int], expected: int
) -> None:
    assert overlap_frames(transition, seconds, lengths, 24) == expected


@pytest.mark.parametrize("fps", [7, 12, 24, 25, 30, 60])
def test_sound_never_drifts_from_picture_by_more_than_half_an_aac_frame(fps: int) -> None:
    profile = Profile(854, 480, fps)
    rng = random.Random(fps)
    pieces = [Piece(Path(f"p{i}.mp4"), rng.randint(1, 10 * fps)) for i in range(300)]
    picture = sound = 0
    kept = list(kept_samples(pieces, profile))
    for piece, samples in zip(pieces, kept, strict=True):
        assert samples % AAC_FRAME == 0 and samples <= profile.padded_samples(piece.frames)
        picture += profile.samples(piece.frames)
        sound += samples
        assert abs(picture - sound) <= AAC_FRAME // 2
