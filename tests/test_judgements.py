"""The writer's judgements: `approve` anchors a character on a take (then *self* measures
against it in place of the picture), `label` marks takes good or bad, and `calibrate`
fits the thresholds to those labels."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_subprocess import Ran
from cli_subprocess import storyboard as run_storyboard
from scoring_clips import GRACE, eileen_project

from storyboard import BuildOptions, Studio
from storyboard._board import write_board
from storyboard._scoring.calibration import MEASURES, fit_one
from storyboard._scoring.consensus import self_scores
from storyboard._scoring.records import ClipScore, SubjectScore
from storyboard._scoring.settings import ScoreSettings
from storyboard.testing.xai_standin import Faults, XaiStandin

STORY = """\
storyboard: 1
title: Judgements
defaults: {duration: 2, resolution: 480p}
characters:
  eileen: {image: assets/eileen.png}
scenes:
  - {id: meet, prompt: "meet: @eileen waves"}
  - {id: wave, prompt: "wave: @eileen waves again"}
"""


def storyboard(*args: str) -> Ran:
    """The command with this test's key and stand-in (the environment the fixture set)."""
    return run_storyboard(*args, keep_key=True)


@pytest.fixture
def project(tmp_path: Path, xai_env: XaiStandin) -> Path:
    return eileen_project(tmp_path / "judged", STORY)


def face(name: str, descriptor: tuple[float, ...], flags: tuple[str, ...] = ()) -> ClipScore:
    subject = SubjectScore(
        "eileen",
        "character",
        "face",
        0.7,
        1.0,
        0.3,
        0.9,
        0.7,
        flags,
        descriptor=descriptor,
        anchor=(0.0, 0.0),
    )
    return ClipScore(1, 8, (subject,))


def test_an_anchor_stands_in_place_of_the_picture_for_self() -> None:
    # The picture sits at the origin; both takes sit together, far from it (a stylised film).
    takes = {"meet": face("meet", (1.0, 0.0)), "wave": face("wave", (1.05, 0.0))}
    plain = {entry.take: entry for entry in self_scores(takes)}
    anchored = {entry.take: entry for entry in self_scores(takes, {"eileen": (1.0, 0.0)})}
    assert plain["wave"].self == pytest.approx(1 - statistics_median([1.05, 0.05]))
    assert anchored["wave"].self == pytest.approx(1 - statistics_median([0.05, 0.05]))
    assert anchored["meet"].self > plain["meet"].self
    assert "drift" not in anchored["wave"].flags


def statistics_median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def test_a_threshold_is_fitted_where_the_labels_part_and_kept_only_when_better() -> None:
    distance = next(m for m in MEASURES if m.setting == "face_distance")
    labelled = [
        (face("a", (0.0,)), True),
        (face("b", (0.0,)), True),
    ]
    good = ClipScore(1, 8, (labelled[0][0].subjects[0],))
    far = SubjectScore("eileen", "character", "face", 0.45, 1.0, 0.3, 0.9, 0.7, ())
    near = SubjectScore("eileen", "character", "face", 0.2, 1.0, 0.3, 0.9, 0.7, ("mismatch",))
    points = [
        (good, True),  # distance 0.30
        (ClipScore(1, 8, (far,)), False),  # 0.55: bad, yet under the default 0.60
        (ClipScore(1, 8, (near,)), False),  # 0.80
    ]
    fit = fit_one(distance, points, ScoreSettings())
    assert fit.labels == 3 and fit.current_right == 2 and fit.right == 3
    assert fit.adopted and 0.30 < fit.value < 0.55
    assert fit.margin == pytest.approx(0.25)
    agreed = fit_one(distance, [(good, True), (ClipScore(1, 8, (near,)), False)], ScoreSettings())
    assert not agreed.adopted and agreed.value == 0.60 and agreed.margin == pytest.approx(0.5)


@pytest.mark.slow
def test_approving_a_take_makes_it_the_anchor_of_self(project: Path, standin: XaiStandin) -> None:
    # A "stylised" film: every take shows the same face, which is not the photo's (two
    # clips of it, so that each has content of its own).
    standin.faults = Faults(
        showings={"meet:": [f"animated:{GRACE}"], "wave:": [f"recoloured:{GRACE}"]}
    )
    with Studio.open(project) as studio:
        assert studio.build("xai", BuildOptions(concurrency=2)).ok
        before = {scene.id: scene.flags for scene in studio.status("xai").scenes}
    assert before == {"meet": ["mismatch", "drift"], "wave": ["mismatch", "drift"]}
    assert board_flags(project) == {"mismatch", "drift"}
    approved = storyboard("approve", "meet", "-p", str(project))
    assert approved.code == 0, approved.output
    assert "meet take 1 is now the anchor of eileen" in approved.out
    status = json.loads(storyboard("status", "-p", str(project), "--json").out)
    flags = {scene["id"]: scene["flags"] for scene in status["scenes"]}
    assert flags == {"meet": ["mismatch"], "wave": ["mismatch"]}
    assert [scene["anchor_for"] for scene in status["scenes"]] == [["eileen"], []]
    (take,) = json.loads(storyboard("takes", "meet", "-p", str(project), "--json").out)
    assert take["anchor_for"] == ["eileen"]
    assert "anchor" in storyboard("takes", "meet", "-p", str(project)).out
    assert board_flags(project) == {"mismatch"}, "the board's self is the one status shows"


def board_flags(project: Path) -> set[str]:
    """The flags the board's page names (each flag is a tooltip on its words)."""
    with Studio.open(project) as studio:
        page = write_board(studio, provider="xai")
    return set(re.findall(r'title="([a-z-]+)"', page.read_text(encoding="utf-8"))) & {
        "mismatch",
        "drift",
    }


def test_approve_without_a_take_says_so(project: Path) -> None:
    refused = storyboard("approve", "meet", "-p", str(project))
    assert refused.code == 2 and 'scene "meet" has no take' in refused.err


@pytest.mark.slow
def test_calibrate_fits_the_thresholds_to_the_labelled_takes(
    project: Path, standin: XaiStandin
) -> None:
    story = STORY + '  - {id: swap, prompt: "swap: @eileen walks in"}\n'
    (project / "story.yaml").write_text(story, encoding="utf-8")
    # meet is right; wave is red-lit on purpose (flagged colour-drift); swap is someone else.
    standin.faults = Faults(
        showings={"meet:": ["animated"], "wave:": ["recoloured"], "swap:": [f"animated:{GRACE}"]}
    )
    with Studio.open(project) as studio:
        assert studio.build("xai", BuildOptions(concurrency=3)).ok
        before = {scene.id: scene.flags for scene in studio.status("xai").scenes}
    assert before["wave"] == ["colour-drift"]
    for args in (("meet", "good"), ("wave", "1", "good"), ("swap", "bad")):
        labelled = storyboard("label", *args, "-p", str(project))
        assert labelled.code == 0, labelled.output
    ran = storyboard("calibrate", "-p", str(project), "--json")
    assert ran.code == 0, ran.output
    report = json.loads(ran.out)
    assert (report["labels"], report["good"]) == (3, 2)
    fits = {fit["setting"]: fit for fit in report["thresholds"]}
    colour, distance = fits["colour_correlation"], fits["face_distance"]
    assert colour["adopted"] and colour["value"] < -0.0 and colour["right"] == 2
    assert not distance["adopted"] and distance["value"] == 0.60
    assert distance["right"] == 3 and distance["margin"] > 0.2
    status = json.loads(storyboard("status", "-p", str(project), "--json").out)
    after = {scene["id"]: scene["flags"] for scene in status["scenes"]}
    assert after == {"meet": [], "wave": [], "swap": ["mismatch", "drift"]}
    shown = storyboard("calibrate", "-p", str(project))
    assert "colour correlation" in shown.out and "face distance" in shown.out


def test_a_label_names_a_take_and_a_verdict(project: Path) -> None:
    wrong = storyboard("label", "meet", "fine", "-p", str(project))
    assert wrong.code == 2 and "good or bad" in wrong.err
    early = storyboard("label", "meet", "good", "-p", str(project))
    assert early.code == 2 and 'scene "meet" has no take' in early.err
    nothing = storyboard("calibrate", "-p", str(project))
    assert nothing.code == 2 and "storyboard label" in nothing.err
