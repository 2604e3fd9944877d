"""The orchestrator: a film spec in, an MP4 (and its subtitle sidecars) out.

The steps, each in its own module:

1. every scene becomes a piece of the film's profile (:mod:`.normalise`), or a
   slate when it has no clip and ``partial`` allows (:mod:`.cards`); a title
   card may come first; captions may be burned in (:mod:`.captions`);
2. with crossfades, each piece is cut into head, body and tail, and each
   overlap is composed with moviepy (:mod:`.transitions`);
3. the pieces are joined by stream copy (:mod:`.concat`), and a soundtrack, if
   any, is mixed under the whole in one more pass (:mod:`.soundtrack`);
4. the film is renamed into place, then its SRT and WebVTT sidecars written.

Pieces are cached in ``.storyboard/normalised/``; temporary work happens in a
folder under ``.storyboard/tmp/`` that is removed afterwards.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from .._errors import ExportError, MissingClips
from .._fileops import sha256_file
from . import captions
from .cache import Piece, PieceCache
from .cards import slate, title_card
from .concat import join
from .files import atomic_output, sweep_leftovers, write_text
from .normalise import crossfade_parts, normalised_clip
from .plaintext import cue_text
from .profile import Profile, overlap_frames
from .soundtrack import lay_soundtrack
from .spec import ExportResult, FilmEntry, FilmSpec
from .transitions import crossfade

_WORK_PREFIX = "export-"
"""Work folders in ``.storyboard/tmp/``; a killed export's are swept an hour later."""


@dataclass(frozen=True)
class _Shot:
    """One shot of the film as a piece, with the caption it carries."""

    piece: Piece
    caption: str | None = None


def export_film(
    spec: FilmSpec, destination: Path, cache_dir: Path, *, partial: bool = False
) -> ExportResult:
    """Assemble the cut into an MP4 at ``destination``; raise MissingClips unless ``partial``."""
    if not spec.entries:
        raise ExportError(f"the cut {spec.cut!r} has no scenes")
    missing = spec.missing
    if missing and not partial:
        raise MissingClips(missing)
    soundtrack = _soundtrack(spec)
    profile = Profile.for_film(spec.settings, spec.aspect_ratio, spec.resolution)
    work_root = cache_dir / "tmp"
    work_root.mkdir(parents=True, exist_ok=True)
    sweep_leftovers(work_root, _is_work_folder)
    with tempfile.TemporaryDirectory(prefix=_WORK_PREFIX, dir=work_root) as work:
        cache = PieceCache(cache_dir / "normalised", Path(work))
        shots = _shots(spec, profile, cache)
        overlap = _overlap(spec, shots, profile)
        pieces = _film_pieces(shots, overlap, profile, cache)
        frames = sum(shot.piece.frames for shot in shots) - overlap * (len(shots) - 1)
        seconds = profile.seconds(frames)
        with atomic_output(destination) as target:
            _write_film(pieces, profile, spec, soundtrack, seconds, cache.work, target)
    cues = captions.cues(
        [captions.Shot(s.piece.frames, s.caption) for s in shots], overlap, profile.fps
    )
    srt, vtt = _write_sidecars(spec, destination, cues)
    return ExportResult(destination, seconds, srt, vtt, tuple(missing))


def _write_film(
    pieces: Sequence[Piece],
    profile: Profile,
    spec: FilmSpec,
    soundtrack: Path | None,
    seconds: float,
    work: Path,
    output: Path,
) -> None:
    """Join the pieces into ``output``, by way of a soundtrack pass if there is one."""
    if soundtrack is None:
        join(pieces, profile, work, output)
        return
    joined = work / "joined.mp4"
    join(pieces, profile, work, joined)
    volume = spec.settings.soundtrack_volume
    lay_soundtrack(joined, soundtrack, volume, seconds, profile, output)


def _soundtrack(spec: FilmSpec) -> Path | None:
    if spec.soundtrack is None:
        return None
    if not spec.soundtrack.is_file():
        raise ExportError(f"the soundtrack {spec.soundtrack} does not exist")
    return spec.soundtrack


def _shots(spec: FilmSpec, profile: Profile, cache: PieceCache) -> list[_Shot]:
    shots = [_Shot(title_card(spec.title, profile, cache))] if spec.settings.title_card else []
    burn = spec.settings.captions in ("burn", "both")
    for entry in spec.entries:
        piece = _scene_piece(entry, profile, cache)
        caption = cue_text(entry.caption or "")
        if burn and caption:
            piece = captions.burned(piece, caption, profile, cache)
        shots.append(_Shot(piece, entry.caption))
    return shots


def _scene_piece(entry: FilmEntry, profile: Profile, cache: PieceCache) -> Piece:
    if entry.clip is None or not entry.has_clip:
        return slate(entry.scene_id, entry.title, entry.duration, profile, cache)
    sha256 = entry.clip_sha256 or sha256_file(entry.clip)
    return normalised_clip(entry.clip, sha256, profile, cache)


def _overlap(spec: FilmSpec, shots: Sequence[_Shot], profile: Profile) -> int:
    settings = spec.settings
    lengths = [shot.piece.frames for shot in shots]
    return overlap_frames(settings.transition, settings.transition_duration, lengths, profile.fps)


def _film_pieces(
    shots: Sequence[_Shot], overlap: int, profile: Profile, cache: PieceCache
) -> list[Piece]:
    """The pieces to join, in order: the shots themselves, or with crossfades composed."""
    if overlap == 0:
        return [shot.piece for shot in shots]
    parts = [crossfade_parts(shot.piece, overlap, profile, cache) for shot in shots]
    pieces = [parts[0].head]
    for before, after in pairwise(parts):
        pieces += [before.body, crossfade(before.tail, after.head, profile, cache)]
    pieces += [parts[-1].body, parts[-1].tail]
    return pieces


def sidecar_paths(destination: Path) -> tuple[Path, Path]:
    """Where a film's SRT and WebVTT subtitles go: beside it, under its name."""
    return destination.with_suffix(".srt"), destination.with_suffix(".vtt")


def _write_sidecars(
    spec: FilmSpec, destination: Path, cues: list[captions.Cue]
) -> tuple[Path | None, Path | None]:
    """Write SRT and WebVTT beside the film when asked for, removing stale ones otherwise."""
    srt_path, vtt_path = sidecar_paths(destination)
    if spec.settings.captions in ("srt", "both") and cues:
        return write_text(srt_path, captions.srt(cues)), write_text(vtt_path, captions.webvtt(cues))
    srt_path.unlink(missing_ok=True)
    vtt_path.unlink(missing_ok=True)
    return None, None


def _is_work_folder(name: str) -> bool:
    return name.startswith(_WORK_PREFIX)
