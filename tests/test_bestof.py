"""`build --best-of N` against the xAI stand-in: more takes only of a scene whose take
fails its checks, the best-scoring selected, the writer's choice kept, the budget counted
before anything is sent."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from cli_subprocess import Ran
from cli_subprocess import storyboard as run_storyboard
from scoring_clips import GRACE, eileen_project

from storyboard import BuildOptions, Studio
from storyboard._errors import BudgetExceeded
from storyboard.testing.xai_standin import Faults, XaiStandin

STORY = """\
storyboard: 1
title: Best of
defaults: {duration: 2, resolution: 480p}
characters:
  eileen: {image: assets/eileen.png}
scenes:
  - {id: meet, prompt: "meet: @eileen waves"}
  - {id: swap, prompt: "swap: @eileen walks in"}
"""


@pytest.fixture
def project(tmp_path: Path, xai_env: XaiStandin) -> Path:
    root = eileen_project(tmp_path / "bestof", STORY)
    # swap's first take shows somebody else; the takes after it show Eileen.
    xai_env.faults = Faults(
        showings={"meet:": ["animated"], "swap:": [f"animated:{GRACE}", "animated", "animated"]}
    )
    return root


def storyboard(*args: str) -> Ran:
    """The command with this test's key and stand-in (the environment the fixture set)."""
    return run_storyboard(*args, keep_key=True)


def billed(root: Path) -> list[float]:
    with sqlite3.connect(root / ".storyboard" / "cache.db") as db:
        return [row[0] for row in db.execute("SELECT cost_usd FROM jobs ORDER BY id")]


@pytest.mark.slow
def test_best_of_retakes_only_the_failing_scene_and_pays_for_what_it_needed(
    project: Path, standin: XaiStandin
) -> None:
    with Studio.open(project) as studio:
        result = studio.build("xai", BuildOptions(concurrency=2, best_of=3))
        swap_takes = studio.takes("swap", "xai")
        meet_takes = studio.takes("meet", "xai")
        status = {scene.id: scene for scene in studio.status("xai").scenes}
    assert result.ok, result.results
    assert [take.take for take in meet_takes] == [1]  # it passed: no extra take
    assert [(take.take, take.selected) for take in swap_takes] == [(1, False), (2, True)]
    first, second = (take.score for take in swap_takes)
    assert first is not None and "mismatch" in first.all_flags()
    assert second is not None and second.all_flags() == []
    assert status["swap"].take == 2 and status["swap"].flags == []
    assert "best of 2 tries" in result.results["swap"].message
    # Three jobs made (meet once, swap twice), each billed once, and nothing more.
    assert standin.counters.generations_accepted == 3
    costs = billed(project)
    assert len(costs) == 3 and all(cost > 0 for cost in costs)
    assert result.spent_usd == pytest.approx(sum(costs))
    again = storyboard("build", "-p", str(project), "--best-of", "3", "--no-export")
    assert again.code == 0, again.output
    assert standin.counters.generations_accepted == 3  # everything passes now: nothing sent


@pytest.mark.slow
def test_a_take_the_writer_chose_is_never_replaced(project: Path, standin: XaiStandin) -> None:
    with Studio.open(project) as studio:
        studio.build("xai", BuildOptions(concurrency=2))
        assert standin.counters.generations_accepted == 2
        studio.use("swap", 1, "xai")
    lock = (project / "storyboard.lock").read_text(encoding="utf-8")
    assert "by: writer" in lock
    with Studio.open(project) as studio:
        result = studio.build("xai", BuildOptions(concurrency=2, best_of=3))
        takes = studio.takes("swap", "xai")
    assert result.ok
    assert standin.counters.generations_accepted == 2
    assert [(take.take, take.selected) for take in takes] == [(1, True)]
    assert "by: writer" in (project / "storyboard.lock").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_failing_take_chosen_by_the_build_is_tried_again(
    project: Path, standin: XaiStandin
) -> None:
    with Studio.open(project) as studio:
        studio.build("xai", BuildOptions(concurrency=2))
        assert "by: writer" not in (project / "storyboard.lock").read_text(encoding="utf-8")
        result = studio.build("xai", BuildOptions(concurrency=2, best_of=3))
        takes = studio.takes("swap", "xai")
    assert result.ok
    assert standin.counters.generations_accepted == 3
    assert [(take.take, take.selected) for take in takes] == [(1, False), (2, True)]


def test_the_budget_counts_every_take_best_of_may_try_before_sending(
    project: Path, standin: XaiStandin
) -> None:
    with Studio.open(project) as studio:
        plain = studio.plan("xai").estimated_cost_usd
        extra = studio.best_of_estimate(3, "xai")
        assert extra.takes == 4  # two scenes to make, each counted at three takes
        assert extra.cost_usd == pytest.approx(2 * plain)
        with pytest.raises(BudgetExceeded, match=r"--best-of 3: up to 4 more takes"):
            studio.build("xai", BuildOptions(best_of=3, max_cost=plain * 2))
    assert standin.counters.creates == 0
    planned = storyboard("plan", "-p", str(project), "--best-of", "3", "--json")
    assert json.loads(planned.out)["best_of"] == {
        "takes": 3,
        "extra_takes": 4,
        "extra_cost_usd": extra.cost_usd,
    }
    refused = storyboard(
        "build", "-p", str(project), "--best-of", "3", "--max-cost", str(plain * 2)
    )
    assert refused.code == 1 and "nothing was sent" in refused.err
    assert standin.counters.creates == 0


def test_best_of_needs_scoring(project: Path, standin: XaiStandin) -> None:
    refused = storyboard("build", "-p", str(project), "--best-of", "2", "--no-score")
    assert refused.code == 2 and "drop --no-score" in refused.err
    assert standin.counters.creates == 0


@pytest.mark.slow
def test_regen_best_of_counts_the_takes_it_makes(project: Path, standin: XaiStandin) -> None:
    with Studio.open(project) as studio:
        studio.build("xai", BuildOptions(concurrency=2))
    standin.faults = Faults(showings={"swap:": [f"animated:{GRACE}", "animated"]})
    regen = storyboard("regen", "swap", "-p", str(project), "--best-of", "2", "--no-export")
    assert regen.code == 0, regen.output
    assert "best of 2 tries" in regen.output
    with Studio.open(project) as studio:
        takes = studio.takes("swap", "xai")
    assert [(take.take, take.selected) for take in takes] == [(1, False), (2, False), (3, True)]
    assert standin.counters.generations_accepted == 4
