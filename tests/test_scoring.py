"""The scorer on real clips made from the test pictures: each flag, and each non-flag."""

from __future__ import annotations

import base64
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scoring_clips import CAT, EILEEN, GRACE, MUG, subject_clip

from storyboard._scoring.consensus import self_scores
from storyboard._scoring.crops import CROP_SIDE, crop_size
from storyboard._scoring.frames import sample_frames
from storyboard._scoring.records import ClipScore, Subject, SubjectScore
from storyboard._scoring.scorer import Scorer
from storyboard.testing.subject_clips import Showing


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer()


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


_SCORED: dict[tuple[Path, Path], ClipScore] = {}


def scored(scorer: Scorer, clip: Path, picture: Path, kind: str = "character") -> ClipScore:
    """The clip's score for one subject, worked out once per test session."""
    if (clip, picture) not in _SCORED:
        _SCORED[clip, picture] = scorer.score(clip, [Subject("it", kind, picture)])
    return _SCORED[clip, picture]


def score_of(scorer: Scorer, clip: Path, picture: Path, kind: str = "character") -> SubjectScore:
    (subject,) = scored(scorer, clip, picture, kind).subjects
    return subject


def face_score(scorer: Scorer, clips: Path, shown: Path, showing: Showing) -> SubjectScore:
    return score_of(scorer, subject_clip(clips, shown, showing), EILEEN)


def test_eileen_moving_turning_and_scaling_passes(scorer: Scorer, clips: Path) -> None:
    score = face_score(scorer, clips, EILEEN, "animated")
    assert score.method == "face"
    assert score.flags == ()
    assert score.cross is not None and score.cross > 1 - scorer.settings.face_distance
    assert score.present >= scorer.settings.present_share


def test_grace_hopper_in_her_place_is_a_mismatch(scorer: Scorer, clips: Path) -> None:
    score = face_score(scorer, clips, GRACE, "animated")
    assert score.flags == ("mismatch",)
    assert score.cross is not None and score.cross < 1 - scorer.settings.face_distance
    assert score.present == 0


def test_the_reference_pasted_still_is_a_copy(scorer: Scorer, clips: Path) -> None:
    still = face_score(scorer, clips, EILEEN, "still")
    moving = face_score(scorer, clips, EILEEN, "animated")
    assert "copy-paste" in still.flags
    assert still.copy is not None and moving.copy is not None and still.copy > moving.copy


def test_an_empty_scene_is_absent(scorer: Scorer, clips: Path) -> None:
    score = face_score(scorer, clips, EILEEN, "empty")
    assert score.flags == ("absent",)
    assert score.cross is None and score.present == 0


def test_a_recoloured_face_is_colour_drift_not_a_mismatch(scorer: Scorer, clips: Path) -> None:
    score = face_score(scorer, clips, EILEEN, "recoloured")
    assert score.flags == ("colour-drift",)


def test_a_far_away_face_is_small(scorer: Scorer, clips: Path) -> None:
    score = face_score(scorer, clips, EILEEN, "small")
    assert "small" in score.flags
    assert "mismatch" not in score.flags


@pytest.mark.slow
@pytest.mark.parametrize("picture", [MUG, CAT], ids=["mug", "cat"])
def test_objects_and_animals_are_scored_on_appearance(
    scorer: Scorer, clips: Path, picture: Path
) -> None:
    shown = score_of(scorer, subject_clip(clips, picture, "animated"), picture, "prop")
    pasted = score_of(scorer, subject_clip(clips, picture, "still"), picture, "prop")
    recoloured = score_of(scorer, subject_clip(clips, picture, "recoloured"), picture, "prop")
    empty = score_of(scorer, subject_clip(clips, picture, "empty"), picture, "prop")
    assert shown.method == "appearance" and shown.flags == ()
    assert pasted.flags == ("copy-paste",)
    assert recoloured.flags == ("colour-drift",)
    assert empty.flags == ("absent",)


def test_another_subject_in_its_place_reads_absent(scorer: Scorer, clips: Path) -> None:
    assert score_of(scorer, subject_clip(clips, EILEEN, "animated"), CAT, "prop").flags == (
        "absent",
    )


def test_several_subjects_are_scored_from_one_decoding(scorer: Scorer, clips: Path) -> None:
    clip = subject_clip(clips, EILEEN, "animated")
    score = scorer.score(
        clip, [Subject("eileen", "character", EILEEN), Subject("mug", "prop", MUG)]
    )
    assert [subject.mention for subject in score.subjects] == ["eileen", "mug"]
    assert score.subjects[0].flags == ()
    assert score.subjects[1].flags == ("absent",)
    assert score.all_flags() == ["absent"]
    assert score.frames == 8


def test_continuity_with_the_frame_a_scene_started_from(
    scorer: Scorer, clips: Path, tmp_path: Path
) -> None:
    clip = subject_clip(clips, EILEEN, "still")
    same = tmp_path / "same.png"
    Image.fromarray(next(sample_frames(clip))).save(same)
    continued = scorer.score(clip, [], start_frame=same)
    jumped = scorer.score(clip, [], start_frame=MUG)
    assert continued.continuity is not None and continued.continuity > 0.9
    assert continued.flags == ()
    assert jumped.flags == ("jump",)


def test_a_clip_score_survives_the_cache_shape(scorer: Scorer, clips: Path) -> None:
    score = scored(scorer, subject_clip(clips, EILEEN, "animated"), EILEEN)
    again = ClipScore.from_stored(score.stored())
    assert again == score
    assert "descriptor" not in score.as_dict()["subjects"][0]


def test_self_flags_the_take_that_drifted_from_the_consensus(scorer: Scorer, clips: Path) -> None:
    takes = {
        "breakfast": scored(scorer, subject_clip(clips, EILEEN, "animated"), EILEEN),
        "walkout": scored(scorer, subject_clip(clips, EILEEN, "recoloured"), EILEEN),
        "liftoff": scored(scorer, subject_clip(clips, GRACE, "animated"), EILEEN),
    }
    found = {score.take: score for score in self_scores(takes)}
    assert found["breakfast"].flags == () and found["walkout"].flags == ()
    assert found["liftoff"].flags == ("drift",)
    assert found["liftoff"].self < found["breakfast"].self


def test_a_majority_of_wrong_takes_does_not_move_the_consensus(scorer: Scorer, clips: Path) -> None:
    wrong = scored(scorer, subject_clip(clips, GRACE, "animated"), EILEEN)
    right = scored(scorer, subject_clip(clips, EILEEN, "animated"), EILEEN)
    takes = {"a": wrong, "b": wrong, "c": wrong, "d": right}
    found = {score.take: score.flags for score in self_scores(takes)}
    assert found == {"a": ("drift",), "b": ("drift",), "c": ("drift",), "d": ()}


def test_only_the_five_point_models_are_loaded(scorer: Scorer) -> None:
    names = {path.name for path in scorer.stack.model_paths}
    assert names == {
        "shape_predictor_5_face_landmarks.dat",
        "dlib_face_recognition_resnet_model_v1.dat",
    }
    assert all(path.is_file() for path in scorer.stack.model_paths)


def test_without_the_extra_scoring_says_how_to_add_it() -> None:
    code = (
        "import sys; sys.modules['dlib'] = None\n"
        "from storyboard._scoring.native import load_stack\n"
        "from storyboard import ScoringUnavailable\n"
        "try:\n    load_stack()\nexcept ScoringUnavailable as error:\n    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "storyboard-film[score]" in result.stdout


def crop_picture(score: SubjectScore) -> Image.Image:
    assert score.crop is not None
    return Image.open(io.BytesIO(base64.b64decode(score.crop)))


def test_where_a_face_was_found_best_is_kept_with_its_crop(scorer: Scorer, clips: Path) -> None:
    clip = subject_clip(clips, EILEEN, "animated")
    score = score_of(scorer, clip, EILEEN)
    assert score.found is not None and 0 <= score.found.frame < 8
    frame = list(sample_frames(clip))[score.found.frame]
    size = (frame.shape[1], frame.shape[0])
    left, top, width, height = score.found.box
    assert width > 0 and height > 0 and left + width <= size[0] and top + height <= size[1]
    crop = crop_picture(score)
    assert crop.format == "JPEG" and crop.size == crop_size(score.found, size)
    assert max(crop.size) <= CROP_SIDE
    # the crop shows the face it was cut around
    assert scorer.stack.faces(np.asarray(crop.convert("RGB")), CROP_SIDE * 2)


def test_someone_else_in_her_place_is_cropped_too_and_nothing_is_not(
    scorer: Scorer, clips: Path
) -> None:
    other = face_score(scorer, clips, GRACE, "animated")
    nothing = face_score(scorer, clips, EILEEN, "empty")
    assert other.found is not None and crop_picture(other).size[0] > 0
    assert nothing.found is None and nothing.crop is None
    assert other.as_dict()["found"] == {"frame": other.found.frame, "box": list(other.found.box)}
    assert "crop" not in other.as_dict()
