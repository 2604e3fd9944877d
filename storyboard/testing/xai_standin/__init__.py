"""A local stand-in for xAI's video API: a real HTTP server on 127.0.0.1.

It follows the documented protocol (docs: ``xai-video-api.md``) closely
enough that the real client runs against it unchanged:

- ``POST /v1/videos/generations`` validates the body like the real API and
  answers ``{"request_id"}``;
- ``POST /v1/videos/edits`` and ``POST /v1/videos/extensions`` take the
  video to revise as a ``data:video/mp4;base64,`` URI or a file id, measure
  it, refuse what the docs refuse (an edit's input over 8.7 s, an extension's
  outside 2..15 s or adding other than 2..10 s, a model that cannot) and
  bill the input seconds too; an extension's answer is the whole video;
- ``POST /v1/images/generations`` and ``POST /v1/images/edits`` (JSON: an
  edit's inputs as data URIs or file ids, up to 3, ``<IMAGE_0>`` first)
  check the documented fields and limits, bill $0.02 per image and $0.002
  per input image, and answer real PNGs (``url`` or ``b64_json``) at once,
  or a ``request_id`` with ``"deferred": true``, polled at
  ``GET /v1/images/{id}``; moderation is HTTP 400 ``imagine:content-moderated``
  or an item with ``respect_moderation: false``; creates' faults and
  idempotency keys apply to them as to videos;
- ``GET /v1/videos/{id}`` answers 202 (alternately empty and
  ``{"status": "pending", "progress"}``) for ``latency`` seconds, then 200
  with ``done`` / ``failed`` / ``expired`` / blocked (usage on each that
  bills), or 400 ``imagine:content-moderated``;
- ``POST /v1/files`` takes a multipart upload (``expires_after`` before
  ``file``);
- a create's ``Idempotency-Key`` names its job: sent again, it answers the
  same job (unless ``honour_idempotency`` is off);
- its limits come from its own transcription of the docs (:mod:`.documented`),
  never from storyboard's table;
- the video URL points back at the stand-in, which serves a real MP4 made
  by ffmpeg with the requested duration and aspect ratio; for consistency
  tests, ``Faults.showings`` makes the clips of chosen prompts show the
  request's first reference image (moving, pasted still, recoloured, far
  away), another picture, or nothing, at the true frame size.

Faults (:class:`Faults`) can be switched on and off while it runs; counters
and a request log (without the Authorization header) show what happened.
Both are also served over HTTP for builds running in another process::

    GET  /_standin/stats     counters, faults and the request log
    GET  /_standin/faults    the faults now
    POST /_standin/faults    change some faults: {"create_429_every": 3, ...}
    POST /_standin/forget-files   forget every uploaded file id
    POST /_standin/reset     zero the counters and clear the log

In a test::

    with XaiStandin(key="test-key", latency=0.2, faults=Faults(create_429_every=3)) as api:
        provider = XaiProvider("test-key", base_url=api.base_url)
        ...
        assert api.counters.generations_accepted == 1

As a process (prints its base URL as the first line, serves until killed)::

    python -m storyboard.testing.xai_standin --port 0 --key KEY --latency 2 --create-429-every 3
"""

from __future__ import annotations

from ._api import API_PREFIX
from ._clips import SHARED_CLIP_DIR, ClipMaker
from ._faults import OUTCOMES, Counters, Faults, LoggedRequest
from ._process import StandinProcess
from ._server import XaiStandin

# ``main`` lives in ``__main__`` and is not imported here: importing it would
# make ``python -m storyboard.testing.xai_standin`` import that module twice.
__all__ = [
    "API_PREFIX",
    "OUTCOMES",
    "SHARED_CLIP_DIR",
    "ClipMaker",
    "Counters",
    "Faults",
    "LoggedRequest",
    "StandinProcess",
    "XaiStandin",
]
