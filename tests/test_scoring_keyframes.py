"""Decoding only keyframes when every frame the scorer samples is one: the same pixels
for less CPU, and the full decoding whenever the clip's index says otherwise."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scoring_clips import EILEEN

import storyboard._scoring.frames as frames
from storyboard._media import ffmpeg_exe, probe
from storyboard._scoring.keyframes import frame_index, sampled_frames
from storyboard.testing.subject_clips import make_subject_clip

pytest.importorskip("cv2")  # the scorer's frames module is part of the scoring extra


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 s at 24 fps, a keyframe at the start only (x264's own choice)."""
    path = tmp_path_factory.mktemp("keyframes") / "plain.mp4"
    return make_subject_clip(path, EILEEN, "animated", seconds=2.0, fps=24)


@pytest.fixture(scope="module")
def keyframed(plain: Path) -> Path:
    """The same clip encoded again with a keyframe at each frame the scorer samples."""
    step = probe(plain).duration / frames.SAMPLED_FRAMES - 0.01
    path = plain.with_name("keyframed.mp4")
    subprocess.run(
        [
            *(ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", os.fspath(plain)),
            *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
            *("-force_key_frames", f"expr:isnan(prev_forced_t)+gte(t-prev_forced_t,{step:.4f})"),
            os.fspath(path),
        ],
        check=True,
    )
    return path


def decoded(clip: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[np.ndarray], list[str]]:
    """The clip's sampled frames, and the ffmpeg command that decoded them."""
    commands: list[list[str]] = []
    popen = subprocess.Popen

    def recorded(command: list[str], **options: Any) -> Any:
        commands.append(command)
        return popen(command, **options)

    with monkeypatch.context() as patch:
        patch.setattr(frames.subprocess, "Popen", recorded)
        pictures = [picture.copy() for picture in frames.sample_frames(clip)]
    (command,) = [command for command in commands if "rawvideo" in command]  # not the probe
    return pictures, command


def test_sampled_keyframes_are_decoded_alone_to_the_same_pixels(
    keyframed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    quick, command = decoded(keyframed, monkeypatch)
    assert "-skip_frame" in command and len(quick) == frames.SAMPLED_FRAMES
    monkeypatch.setattr(frames, "frame_index", lambda clip: None)
    full, command = decoded(keyframed, monkeypatch)
    assert "-skip_frame" not in command
    assert all(np.array_equal(one, other) for one, other in zip(quick, full, strict=True))


def test_a_clip_with_other_frames_between_its_keyframes_is_decoded_in_full(
    plain: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = frame_index(plain)
    assert index is not None and len(index.times) == 48 and 0 in index.keyframes
    _, command = decoded(plain, monkeypatch)
    assert "-skip_frame" not in command


def test_the_frames_picked_are_those_ffmpegs_select_picks(keyframed: Path) -> None:
    index = frame_index(keyframed)
    assert index is not None
    picked = sampled_frames(index.times, 0.24, frames.SAMPLED_FRAMES)
    assert picked == list(range(0, 48, 6)) and index.keyframes >= set(picked)
    assert sampled_frames(index.times, 0.24, 3) == [0, 6, 12]


def test_what_is_not_a_plain_mp4_has_no_index(tmp_path: Path) -> None:
    (tmp_path / "noise.mp4").write_bytes(os.urandom(4096))
    (tmp_path / "empty.mp4").write_bytes(b"")
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(b"\x00\x00\x10\x00moov" + b"\x00" * 64)
    for name in ("noise.mp4", "empty.mp4", "truncated.mp4", "missing.mp4"):
        assert frame_index(tmp_path / name) is None
