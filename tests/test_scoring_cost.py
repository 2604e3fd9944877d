"""What keeps scoring cheap: the detector read from a file, a descriptor kept while a
face is followed, no frame decoded that nothing looks at, and a worker that starts
without the rest of storyboard."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scoring_clips import EILEEN, GRACE, MUG, subject_clip

from storyboard._scoring.frames import (
    DESCRIBE_EVERY,
    KEYPOINTS_EVERY,
    SeenFace,
    _followed,
    _unchanged,
    sample_frames,
    sampled,
)
from storyboard._scoring.native import (
    FACE_DETECTOR,
    FACE_WINDOW,
    OPENCV_THREADS,
    FoundFace,
    _near_scale,
)
from storyboard._scoring.records import Subject
from storyboard._scoring.scorer import Scorer


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer()


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


def test_the_shipped_face_detector_is_dlibs_own(tmp_path: Path) -> None:
    dlib = pytest.importorskip("dlib")
    saved = tmp_path / "detector.svm"
    dlib.get_frontal_face_detector().save(str(saved))
    assert saved.read_bytes() == FACE_DETECTOR.read_bytes()


def test_opencv_works_in_the_calling_thread(scorer: Scorer) -> None:
    cv2 = pytest.importorskip("cv2")
    assert cv2.getNumThreads() == OPENCV_THREADS == 1


@pytest.mark.parametrize("shown", [EILEEN, GRACE])
def test_a_followed_face_that_turns_keeps_its_descriptor_for_three_frames(
    scorer: Scorer, clips: Path, shown: Path
) -> None:
    clip = subject_clip(clips, shown, "animated")
    frames = sampled(clip, scorer.stack, scorer.settings, lambda frame: None)
    faces = [frame.faces()[0] for frame in frames]
    assert [face.age for face in faces] == [n % DESCRIBE_EVERY for n in range(len(frames))]
    for earlier, face in itertools.pairwise(faces):
        kept = face.age > 0
        assert np.array_equal(face.descriptor, earlier.descriptor) == kept
        assert face.box != earlier.box


def test_a_face_that_stays_the_same_keeps_its_descriptor_while_it_does(
    scorer: Scorer, clips: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    still = subject_clip(clips, EILEEN, "still")
    read = scorer.stack.descriptor
    described: list[FoundFace] = []

    def descriptor(face: FoundFace) -> np.ndarray:
        described.append(face)
        return read(face)

    monkeypatch.setattr(scorer.stack, "descriptor", descriptor)
    frames = sampled(still, scorer.stack, scorer.settings, lambda frame: None)
    faces = [frame.faces()[0] for frame in frames]
    assert [face.age for face in faces] == list(range(len(frames))) and len(described) == 1
    assert all(np.array_equal(face.descriptor, faces[0].descriptor) for face in faces)


def test_a_chip_that_changed_is_not_unchanged() -> None:
    chip = np.full((150, 150), 100, np.uint8)
    assert _unchanged(chip + 7, chip) and _unchanged(chip - 7, chip)
    assert not _unchanged(chip + 8, chip) and not _unchanged(chip - 8, chip)


def test_what_has_no_face_is_looked_for_in_every_other_frame(
    scorer: Scorer, clips: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = subject_clip(clips, MUG, "animated")
    mug = [Subject("mug", "prop", MUG)]
    scorer.score(clip, mug)  # the reference's keypoints are read once, then kept
    found = scorer.stack.keypoints
    looked_at: list[int] = []

    def keypoints(picture: np.ndarray, side: int) -> object:
        looked_at.append(len(looked_at))
        return found(picture, side)

    monkeypatch.setattr(scorer.stack, "keypoints", keypoints)
    score = scorer.score(clip, mug)
    assert KEYPOINTS_EVERY == 2 and score.frames == 8 and len(looked_at) == 4
    (subject,) = score.subjects
    assert subject.present == 1.0 and subject.found is not None
    assert subject.found.frame % KEYPOINTS_EVERY == 0


def test_a_large_face_is_followed_on_a_coarser_copy(
    scorer: Scorer, clips: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = subject_clip(clips, EILEEN, "animated")
    detect = scorer.stack._detector
    scanned: list[tuple[int, int]] = []  # the searches' (width, upsampling)

    def detector(picture: np.ndarray, upsample: int) -> object:
        scanned.append((picture.shape[1], upsample))
        return detect(picture, upsample)

    monkeypatch.setattr(scorer.stack, "_detector", detector)
    frames = sampled(clip, scorer.stack, scorer.settings, lambda frame: None)
    faces = [frame.faces()[0] for frame in frames]
    # the whole first frame, then around the face, each time on a copy not upsampled
    assert scanned[0] == (scorer.settings.detect_width, 1) and len(scanned) == len(frames)
    assert all(upsample == 0 for _, upsample in scanned[1:])
    assert [face.age for face in faces] == [n % DESCRIBE_EVERY for n in range(len(frames))]


def test_a_small_face_is_followed_as_finely_as_the_whole_frame_is_searched() -> None:
    assert _near_scale((0, 0, 200, 200), 0.5, 0.75) == (FACE_WINDOW / 150, 0)
    assert _near_scale((0, 0, 100, 100), 0.5, 0.75) == (0.5, 1)
    assert _near_scale((0, 0, 100, 100), 1.0, 0.75) == (1.0, 1)


def seen(box: tuple[int, int, int, int]) -> SeenFace:
    return SeenFace(box, np.zeros((1, 1, 3), np.uint8), np.zeros(128), np.zeros((1, 1), np.uint8))


def found(box: tuple[int, int, int, int]) -> FoundFace:
    return FoundFace(box, np.zeros((1, 1, 3), np.uint8), np.zeros((1, 1, 3), np.uint8))


def test_a_face_is_followed_only_when_it_is_clearly_the_same() -> None:
    earlier = seen((500, 100, 100, 100))
    moved = found((650, 120, 100, 100))
    assert _followed(moved, [moved], [earlier]) is earlier
    far = found((760, 100, 100, 100))
    assert _followed(far, [far], [earlier]) is None
    grown = found((500, 100, 140, 140))
    assert _followed(grown, [grown], [earlier]) is None
    beside = found((480, 230, 100, 100))
    assert _followed(moved, [moved, beside], [earlier]) is None
    other = seen((700, 100, 100, 100))
    assert _followed(moved, [moved], [earlier, other]) is None


def test_a_clip_with_nothing_to_score_is_not_decoded(
    scorer: Scorer, clips: Path, tmp_path: Path
) -> None:
    clip = subject_clip(clips, EILEEN, "still")
    nothing = scorer.score(clip, [])
    assert nothing.frames == 0 and nothing.subjects == () and nothing.continuity is None
    start = tmp_path / "start.png"
    Image.fromarray(next(sample_frames(clip))).save(start)
    continued = scorer.score(clip, [], start_frame=start)
    assert continued.frames == 1
    assert continued.continuity is not None and continued.continuity > 0.9


def test_the_worker_starts_without_the_rest_of_storyboard() -> None:
    code = (
        "import sys, storyboard._scoring.jobs\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('storyboard'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded = set(result.stdout.split())
    assert "storyboard._scoring.jobs" in loaded
    assert not loaded & {"storyboard._compiler", "storyboard._store", "storyboard._project"}


def test_only_a_character_is_searched_for_a_face(scorer: Scorer, clips: Path) -> None:
    clip = subject_clip(clips, EILEEN, "animated")
    person, poster = scorer.score(
        clip, [Subject("eileen", "character", EILEEN), Subject("poster", "prop", EILEEN)]
    ).subjects
    assert person.method == "face" and person.flags == ()
    assert poster.method == "appearance" and poster.cross is not None
