"""The scene graph: which scene needs which, with networkx.

An edge runs from a scene to every scene that mentions it or starts from it.
The graph decides what may be generated together (topological generations),
what must wait, and what a new take makes stale (descendants). The film's
order is the `scenes` list or a cut, never the graph's.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from ._compiler import CompiledScene


class SceneGraph:
    """Dependencies between scenes; built only from acyclic projects."""

    def __init__(self, scenes: Iterable[CompiledScene]) -> None:
        self.graph: nx.DiGraph[str] = nx.DiGraph()
        for scene in scenes:
            self.graph.add_node(scene.id)
            for upstream in scene.depends_on:
                self.graph.add_edge(upstream, scene.id)

    def find_cycle(self) -> list[str] | None:
        """One cycle as a closed walk of scene ids (first id repeated last), or None."""
        try:
            edges = nx.find_cycle(self.graph)
        except nx.NetworkXNoCycle:
            return None
        walk = [str(edge[0]) for edge in edges]
        return [*walk, walk[0]]

    def generations(self) -> list[list[str]]:
        """Scenes in waves: each wave needs only scenes of earlier waves."""
        return [sorted(generation) for generation in nx.topological_generations(self.graph)]

    def order(self) -> list[str]:
        return [scene for generation in self.generations() for scene in generation]

    def upstream(self, scene_id: str) -> set[str]:
        return set(nx.ancestors(self.graph, scene_id))

    def downstream(self, scene_id: str) -> set[str]:
        return set(nx.descendants(self.graph, scene_id))

    def direct_upstream(self, scene_id: str) -> list[str]:
        return sorted(self.graph.predecessors(scene_id))

    def with_upstream(self, scene_ids: Iterable[str]) -> set[str]:
        """The scenes named and everything they need."""
        needed: set[str] = set()
        for scene_id in scene_ids:
            needed |= {scene_id, *self.upstream(scene_id)}
        return needed

    def edges(self) -> list[tuple[str, str]]:
        return sorted((str(a), str(b)) for a, b in self.graph.edges)


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
