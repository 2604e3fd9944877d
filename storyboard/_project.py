"""A story project, loaded and checked as a whole.

:meth:`Project.load` reads `story.yaml`, validates it against the format,
checks every image, compiles every scene and builds the scene graph,
collecting every problem on the way; it raises :class:`ProjectInvalid` with
all of them, or returns a project that is ready to plan and build.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from ._castcheck import AssetChecker
from ._compiler import AssetEntry, CompiledScene, SceneCompiler
from ._errors import Problem, ProjectInvalid, UsageError
from ._filmcheck import transition_problems
from ._format import ASSET_SECTIONS, Story
from ._gcpause import collector_paused
from ._generated import GeneratedImage
from ._graph import SceneGraph
from ._images import CheckedImage, ImageLibrary, ImageProblem, control_character
from ._loader import KEY, PathKey, Positions, read_story, validate_story
from ._mentions import mentions_in
from ._salvage import Salvage, salvage_story

STORY_FILE = "story.yaml"
CACHE_DIR = ".storyboard"
OUT_DIR = "out"
DEFAULT_CUT = "film"


@dataclass
class Project:
    """A valid project: its story, its checked assets, its compiled scenes and their graph."""

    root: Path
    story: Story
    positions: Positions
    assets: dict[str, AssetEntry]
    scenes: dict[str, CompiledScene]
    graph: SceneGraph
    images: ImageLibrary
    generated: dict[str, GeneratedImage] = field(default_factory=dict)
    """Every image generated from words, by target, each after the image it edits."""

    @property
    def story_path(self) -> Path:
        """The project's `story.yaml`."""
        return self.root / STORY_FILE

    @property
    def cache_dir(self) -> Path:
        """`.storyboard/`: the clip cache, never committed."""
        return self.root / CACHE_DIR

    @property
    def out_dir(self) -> Path:
        """`out/`: where films and timelines go by default."""
        return self.root / OUT_DIR

    @property
    def title(self) -> str:
        """The film's title."""
        return self.story.title

    @classmethod
    def load(cls, path: Path | str = ".") -> Project:
        """Load and check a project folder (or its `story.yaml`); raise ProjectInvalid."""
        root = find_root(Path(path))
        with collector_paused():
            return _ProjectChecker(root).check()

    @property
    def node_ids(self) -> list[str]:
        """Everything a take is chosen for: each generated image (``eileen``,
        ``eileen:flight-suit``), then each scene's clip and each of its steps', in order."""
        clips = [node for scene in self.scenes.values() for node in scene.node_ids]
        return [*self.generated, *clips]

    def edits_of(self, target: str) -> list[str]:
        """The generated images made by editing ``target``'s image."""
        return [t for t, image in self.generated.items() if image.source_target == target]

    def cut(self, name: str | None = None) -> list[str]:
        """Scene ids of a cut in play order; the default cut is every scene in order."""
        if name is None or name == DEFAULT_CUT:
            return list(self.scenes)
        if name not in self.story.cuts:
            known = ", ".join([DEFAULT_CUT, *self.story.cuts])
            raise UsageError(f'no cut named "{name}" in {STORY_FILE}; cuts: {known}')
        return list(self.story.cuts[name])

    def cut_name(self, name: str | None) -> str:
        """The name of a cut, ``film`` (every scene) when none is given."""
        return name or DEFAULT_CUT

    def soundtrack(self) -> Path | None:
        """The soundtrack file of the export section, if any."""
        source = self.story.export.soundtrack
        return (self.root / source).resolve() if source else None

    def own_files(self) -> set[Path]:
        """The writer's files the story names: its images and its soundtrack."""
        soundtrack = self.soundtrack()
        return self.images.local_files() | ({soundtrack} if soundtrack else set())

    def film_aspect_ratio(self) -> str:
        """The film's aspect ratio: the export section's, else the scenes' default."""
        return self.story.export.aspect_ratio or self.story.defaults.aspect_ratio

    def film_resolution(self) -> str:
        """The film's resolution: the export section's, else the scenes' default."""
        return self.story.export.resolution or self.story.defaults.resolution


def find_root(path: Path) -> Path:
    """The project folder for a folder or a `story.yaml` path."""
    path = path.expanduser()
    if path.is_file() or path.suffix in {".yaml", ".yml"}:
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
        if path.name != STORY_FILE:
            raise UsageError(f"{path}: a project's story must be named {STORY_FILE}")
        return path.resolve().parent
    if not (path / STORY_FILE).is_file():
        raise UsageError(
            f"no {STORY_FILE} in {path.resolve()}: pass -p PATH to a project folder, "
            "or make one with `storyboard new PATH`"
        )
    return path.resolve()


class _ProjectChecker:
    """Runs every check of a project and gathers the problems."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.images = ImageLibrary(root, root / CACHE_DIR)
        self.problems: list[Problem] = []

    def check(self) -> Project:
        data, positions, problems = read_story(self.root / STORY_FILE, STORY_FILE)
        self.positions = positions
        self.problems.extend(problems)
        if data is None:
            raise ProjectInvalid(self.problems)
        story, problems = validate_story(data, positions)
        self.problems.extend(problems)
        salvage = Salvage(story) if story is not None else salvage_story(data)
        if salvage is None:
            raise ProjectInvalid(self.problems)
        story = salvage.story
        self._check_names(story)
        assets, generated = self._check_assets(story, salvage.broken_assets)
        compiler = SceneCompiler(
            story, positions, assets, self._resolve_image, names_lost=salvage.names_lost
        )
        compiled = [
            compiler.compile(index, scene)
            for index, scene in enumerate(story.scenes)
            if index not in salvage.broken_scenes
        ]
        self.problems.extend(compiler.problems)
        self._check_cuts(story)
        self._check_soundtrack(story)
        scenes = {scene.id: scene for scene in compiled if scene is not None}
        graph = SceneGraph(scenes.values())
        self._check_cycles(story, graph)
        self.problems.extend(transition_problems(story, scenes.values(), positions))
        if self.problems:
            raise ProjectInvalid(list(dict.fromkeys(self.problems)))  # once each
        self.images.save()
        return Project(self.root, story, positions, assets, scenes, graph, self.images, generated)

    def _report(self, path: PathKey, message: str) -> None:
        self.problems.append(self.positions.problem(path, message))

    def _check_names(self, story: Story) -> None:
        """Names are unique across the four asset sections and the scene ids."""
        first_seen: dict[str, tuple[str, PathKey]] = {}
        for section in ASSET_SECTIONS:
            for name in getattr(story, section):
                self._claim(name, f"in {section}", (section, name, KEY), first_seen)
        for index, scene in enumerate(story.scenes):
            self._claim(scene.id, "by a scene", ("scenes", index, "id"), first_seen)

    def _claim(
        self, name: str, where: str, path: PathKey, first_seen: dict[str, tuple[str, PathKey]]
    ) -> None:
        if name in first_seen:
            used, used_path = first_seen[name]
            line, _ = self.positions.at(used_path)
            at_line = f" (line {line})" if line else ""
            self._report(
                path,
                f'the name "{name}" is already used {used}{at_line}: '
                "asset names and scene ids must all differ",
            )
        else:
            first_seen[name] = (where, path)

    def _check_assets(
        self, story: Story, broken: set[str]
    ) -> tuple[dict[str, AssetEntry], dict[str, GeneratedImage]]:
        entries: dict[str, AssetEntry] = {}
        checker = AssetChecker(self.positions, self._resolve_image)
        for section, kind in ASSET_SECTIONS.items():
            for name, asset in getattr(story, section).items():
                if name in broken:
                    entries.setdefault(name, AssetEntry(name, kind, None, {}, broken=True))
                    continue
                entries.setdefault(name, checker.entry(section, kind, name, asset))
        self.problems.extend(checker.problems)
        return entries, checker.edits_last()

    def _resolve_image(self, source: str, path: PathKey) -> CheckedImage | None:
        try:
            return self.images.check(source)
        except ImageProblem as problem:
            self._report(path, problem.message)
            return None

    def _check_cuts(self, story: Story) -> None:
        scene_ids = [scene.id for scene in story.scenes]
        known = set(scene_ids)
        for name, scene_list in story.cuts.items():
            if name == DEFAULT_CUT:
                self._report(
                    ("cuts", name, KEY),
                    f'"{DEFAULT_CUT}" is the name of the whole film; give this cut another name',
                )
            if not scene_list:
                self._report(
                    ("cuts", name),
                    f'cut "{name}" lists no scenes: list the scene ids it plays, or remove it',
                )
            for index, scene_id in enumerate(scene_list):
                if scene_id not in known:
                    close = difflib.get_close_matches(scene_id, scene_ids, n=1)
                    hint = f" (did you mean {close[0]}?)" if close else ""
                    self._report(
                        ("cuts", name, index), f'cut "{name}" names no scene "{scene_id}"{hint}'
                    )

    def _check_soundtrack(self, story: Story) -> None:
        source = story.export.soundtrack
        if source is None:
            return
        where: PathKey = ("export", "soundtrack")
        control = control_character(source)
        if control:
            self._report(
                where, f"the soundtrack path holds a control character ({control}); retype it"
            )
            return
        try:
            path = (self.root / source).resolve()
        except (OSError, RuntimeError):
            self._report(where, f'"{source}" cannot be followed (a symlink loop?)')
            return
        if source.startswith(("http://", "https://", "data:")):
            self._report(where, "the soundtrack must be a file in the project folder")
        elif not path.is_relative_to(self.root):
            self._report(
                where, f'"{source}" is outside the project folder; keep the soundtrack inside it'
            )
        elif path.is_dir():
            self._report(where, f'"{source}" is a folder; name the audio file itself')
        elif not path.is_file():
            siblings = [p.name for p in path.parent.iterdir()] if path.parent.is_dir() else []
            close = difflib.get_close_matches(path.name, siblings, n=1)
            hint = ""
            if close:
                near = (path.parent / close[0]).relative_to(self.root).as_posix()
                hint = f' (did you mean "{near}"?)'
            self._report(where, f'soundtrack "{source}" not found{hint}')

    def _check_cycles(self, story: Story, graph: SceneGraph) -> None:
        cycle = graph.find_cycle()
        if cycle is None:
            return
        order: dict[str, int] = {}
        for index, scene in enumerate(story.scenes):
            order.setdefault(scene.id, index)
        walk = cycle[:-1]
        turn = min(range(len(walk)), key=lambda i: order[walk[i]])
        walk = walk[turn:] + walk[:turn]  # start at the cycle's first scene in the file
        first, needed = walk[0], walk[-1]
        index = order[first]
        scene = story.scenes[index]
        if len(walk) == 1:
            how = "starts from" if scene.start == first else "mentions"
            message = (
                f'scene "{first}" {how} itself: a scene cannot use its own last frame; '
                "remove that mention or start"
            )
        else:
            message = (
                "scenes depend on each other in a cycle: "
                + " -> ".join([*walk, first])
                + " (each needs the one before it): remove one of these mentions or starts"
            )
        if scene.start == needed:
            self._report(("scenes", index, "start"), message)
            return
        prompt_path: PathKey = ("scenes", index, "prompt")
        seen: dict[str, int] = {}
        for mention in mentions_in((scene.prompt or "").strip()):
            occurrence = seen.get(mention.text, 0)
            seen[mention.text] = occurrence + 1
            if mention.name == needed and mention.look is None:
                self.problems.append(
                    self.positions.problem_at_mention(
                        prompt_path, mention.text, occurrence, message
                    )
                )
                return
        self._report(prompt_path, message)
