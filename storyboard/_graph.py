"""The scene graph: which scene needs which.

An edge runs from a scene to every scene that mentions it or starts from it.
The graph decides what may be generated together (topological generations),
what must wait, and what a new take makes stale (descendants). The film's
order is the `scenes` list or a cut, never the graph's.

Plain dictionaries rather than networkx: every command builds the graph, and
importing networkx alone costs more than a third of `storyboard check`'s time
(targets.md, P11). Each walk below visits a scene and an edge once.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._compiler import CompiledScene


class SceneGraph:
    """Dependencies between scenes; built only from acyclic projects."""

    def __init__(self, scenes: Iterable[CompiledScene]) -> None:
        self.below: dict[str, dict[str, None]] = {}
        """Each scene's direct downstream scenes, in the order they were met."""
        self.above: dict[str, dict[str, None]] = {}
        """Each scene's direct upstream scenes."""
        for scene in scenes:
            self._add(scene.id)
            for upstream in scene.depends_on:
                self._add(upstream)
                self.below[upstream][scene.id] = None
                self.above[scene.id][upstream] = None

    def _add(self, scene_id: str) -> None:
        self.below.setdefault(scene_id, {})
        self.above.setdefault(scene_id, {})

    def find_cycle(self) -> list[str] | None:
        """One cycle as a closed walk of scene ids (first id repeated last), or None."""
        finished: set[str] = set()
        for root in self.below:
            if root in finished:
                continue
            path, on_path = [root], {root}
            branches = [iter(self.below[root])]
            while branches:
                following = next(branches[-1], None)
                if following is None:
                    done = path.pop()
                    on_path.discard(done)
                    finished.add(done)
                    branches.pop()
                    continue
                if following in on_path:
                    walk = path[path.index(following) :]
                    return [*walk, following]
                if following not in finished:
                    path.append(following)
                    on_path.add(following)
                    branches.append(iter(self.below[following]))
        return None

    def generations(self) -> list[list[str]]:
        """Scenes in waves: each wave needs only scenes of earlier waves."""
        waiting = {scene_id: len(above) for scene_id, above in self.above.items()}
        wave = [scene_id for scene_id, count in waiting.items() if count == 0]
        waves = []
        while wave:
            waves.append(sorted(wave))
            following = []
            for scene_id in wave:
                for below in self.below[scene_id]:
                    waiting[below] -= 1
                    if waiting[below] == 0:
                        following.append(below)
            wave = following
        return waves

    def order(self) -> list[str]:
        return [scene for generation in self.generations() for scene in generation]

    def upstream(self, scene_id: str) -> set[str]:
        return _reachable(self.above, [scene_id]) - {scene_id}

    def downstream(self, scene_id: str) -> set[str]:
        return _reachable(self.below, [scene_id]) - {scene_id}

    def direct_upstream(self, scene_id: str) -> list[str]:
        return sorted(self.above[scene_id])

    def needed_by_others(self, scene_id: str) -> bool:
        """Whether any scene mentions this one or starts from it."""
        return bool(self.below[scene_id])

    def with_upstream(self, scene_ids: Iterable[str]) -> set[str]:
        """The scenes named and everything they need, each visited once."""
        return _reachable(self.above, scene_ids)

    def scene_ids(self) -> list[str]:
        return list(self.below)

    def edges(self) -> list[tuple[str, str]]:
        return sorted(
            (upstream, below) for upstream in self.below for below in self.below[upstream]
        )


def _reachable(links: dict[str, dict[str, None]], starts: Iterable[str]) -> set[str]:
    """The starts and every scene reached from them along ``links``."""
    seen = set(starts)
    waiting = list(seen)
    while waiting:
        for linked in links[waiting.pop()]:
            if linked not in seen:
                seen.add(linked)
                waiting.append(linked)
    return seen


def render_text(graph: SceneGraph, film_order: list[str]) -> str:
    """Each scene in film order with what it needs, as an indented outline."""
    lines = []
    for scene_id in film_order:
        needs = graph.direct_upstream(scene_id)
        lines.append(f"{scene_id}" + (f"  <- {', '.join(needs)}" if needs else ""))
    waves = graph.generations()
    lines.append("")
    lines.append("generation order (scenes on one line can run at once):")
    lines.extend(f"  {index + 1}. {' '.join(wave)}" for index, wave in enumerate(waves))
    return "\n".join(lines)


def render_mermaid(graph: SceneGraph, film_order: list[str]) -> str:
    node = {scene_id: f"s{index}" for index, scene_id in enumerate(film_order)}
    lines = ["flowchart LR"]
    lines.extend(f'  {node[s]}["{s}"]' for s in film_order)
    lines.extend(f"  {node[a]} --> {node[b]}" for a, b in graph.edges())
    return "\n".join(lines)


def render_dot(graph: SceneGraph, film_order: list[str]) -> str:
    lines = ["digraph scenes {", "  rankdir=LR;", "  node [shape=box, style=rounded];"]
    lines.extend(f'  "{s}";' for s in film_order)
    lines.extend(f'  "{a}" -> "{b}";' for a, b in graph.edges())
    lines.append("}")
    return "\n".join(lines)
