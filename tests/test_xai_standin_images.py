"""The stand-in's image calls follow the documentation: limits, answers, billing, faults."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fixtures_xai import poll_until_finished
from PIL import Image

from storyboard.testing.xai_standin import XaiStandin

TICKS = 10**10


@pytest.fixture
def api(standin: XaiStandin, xai_key: str) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {xai_key}"}
    with httpx.Client(base_url=standin.base_url, headers=headers) as client:
        yield client


def png(size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = (200, 90, 30)) -> str:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def generate(api: httpx.Client, **fields: Any) -> httpx.Response:
    return api.post("/images/generations", json={"prompt": "a portrait", **fields})


def edit(api: httpx.Client, **fields: Any) -> httpx.Response:
    return api.post(
        "/images/edits", json={"prompt": "in orange", "image": {"url": png()}, **fields}
    )


def fetched(api: httpx.Client, item: dict[str, Any]) -> Image.Image:
    if "b64_json" in item:
        content = base64.b64decode(item["b64_json"])
    else:
        answer = api.get(item["url"])
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "image/png"
        content = answer.content
    return Image.open(io.BytesIO(content))


def test_a_generation_answers_real_images_of_its_shape_and_bills_each(
    standin: XaiStandin, api: httpx.Client
) -> None:
    answer = generate(api, n=2, aspect_ratio="3:4")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["usage"]["cost_in_usd_ticks"] == round(0.04 * TICKS)
    pictures = [fetched(api, item) for item in body["data"]]
    assert len(pictures) == 2
    assert all(abs(p.width / p.height - 3 / 4) < 0.02 for p in pictures)
    assert pictures[0].tobytes() != pictures[1].tobytes()
    assert standin.counters.images_accepted == 1


def test_b64_answers_carry_the_picture_without_a_data_prefix(api: httpx.Client) -> None:
    item = generate(api, response_format="b64_json").json()["data"][0]
    assert not item["b64_json"].startswith("data:")
    assert item["mime_type"] == "image/png"
    assert fetched(api, item).size[0] == fetched(api, item).size[1]


def test_an_edit_keeps_its_input_shape_and_bills_the_input_image(api: httpx.Client) -> None:
    answer = edit(api, image={"url": png((90, 160))})
    assert answer.status_code == 200, answer.text
    assert answer.json()["usage"]["cost_in_usd_ticks"] == round(0.022 * TICKS)
    picture = fetched(api, answer.json()["data"][0])
    assert abs(picture.width / picture.height - 9 / 16) < 0.02


def test_an_edit_reads_uploaded_files_and_up_to_three_images(api: httpx.Client) -> None:
    content = base64.b64decode(png().partition(",")[2])
    uploaded = api.post(
        "/files", data={"expires_after": "3600"}, files={"file": ("a.png", content, "image/png")}
    ).json()["id"]
    images = [{"file_id": uploaded}, {"url": png()}, {"url": png((48, 48))}]
    answer = edit(api, image=None, images=images, prompt="<IMAGE_0> wears <IMAGE_2>")
    assert answer.status_code == 400  # image and images together
    body = {"prompt": "<IMAGE_0> wears <IMAGE_2>", "images": images}
    answer = api.post("/images/edits", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["usage"]["cost_in_usd_ticks"] == round(0.026 * TICKS)


@pytest.mark.parametrize(
    ("call", "fields", "complaint"),
    [
        ("generations", {"size": "1024x1024"}, "Argument not supported: size"),
        ("generations", {"seed": 3}, "Argument not supported: seed"),
        ("generations", {"style": "vivid"}, "Argument not supported: style"),
        ("generations", {"prompt": "x" * 1025}, "longer than 1024"),
        ("generations", {"prompt": ""}, "prompt is required"),
        ("generations", {"n": 11}, "n must be 1..10"),
        ("generations", {"n": 0}, "n must be 1..10"),
        ("generations", {"resolution": "4k"}, "resolution must be 1k or 2k"),
        ("generations", {"aspect_ratio": "5:4"}, "aspect_ratio"),
        ("generations", {"model": "grok-imagine-video"}, "does not exist"),
        ("generations", {"image": {"url": png()}}, "Argument not supported: image"),
        ("edits", {"mask": {"url": png()}}, "Argument not supported: mask"),
        ("edits", {"images": [{"url": png()}]}, "exactly one of image and images"),
        ("edits", {"image": None}, "exactly one of image and images"),
        ("edits", {"prompt": "<IMAGE_1> in orange"}, "<IMAGE_1> names no input image"),
        ("edits", {"image": {"url": "https://example.com/a.png"}}, "cannot fetch"),
        ("edits", {"image": {"file_id": "file_nothing"}}, "no such file"),
        ("edits", {"image": {"url": "data:image/png;base64,AAAA"}}, "is not an image"),
    ],
)
def test_requests_outside_the_documented_limits_are_refused(
    standin: XaiStandin, api: httpx.Client, call: str, fields: dict[str, Any], complaint: str
) -> None:
    body: dict[str, Any] = {"prompt": "a portrait"}
    if call == "edits":
        body["image"] = {"url": png()}
    body.update(fields)
    body = {name: value for name, value in body.items() if value is not None}
    answer = api.post(f"/images/{call}", json=body)
    assert answer.status_code in (400, 404), answer.text
    assert complaint in answer.json()["error"]["message"]
    assert standin.counters.images_accepted == 0


def test_four_images_are_too_many_to_edit(api: httpx.Client) -> None:
    answer = api.post("/images/edits", json={"prompt": "x", "images": [{"url": png()}] * 4})
    assert answer.status_code == 400
    assert "at most 3" in answer.json()["error"]["message"]


def test_a_deferred_call_is_polled_to_the_same_answer(
    standin: XaiStandin, api: httpx.Client
) -> None:
    standin.faults.hold_jobs = True
    created = generate(api, deferred=True)
    assert set(created.json()) == {"request_id"}
    request_id = created.json()["request_id"]
    held = [api.get(f"/images/{request_id}") for _ in range(2)]
    assert [answer.status_code for answer in held] == [202, 202]
    standin.faults.hold_jobs = False
    final = poll_until_finished(api, "/images/" + request_id)[-1]
    assert final.status_code == 200
    assert final.json()["status"] == "done"
    assert final.json()["usage"]["cost_in_usd_ticks"] == round(0.02 * TICKS)
    assert fetched(api, final.json()["data"][0]).size == (192, 192)
    assert api.get("/images/nothing").status_code == 404


def test_moderation_refuses_an_image_and_bills_it(standin: XaiStandin, api: httpx.Client) -> None:
    standin.faults.outcomes = {"portrait": ["moderated", "blocked"]}
    refused = generate(api)
    assert refused.status_code == 400
    assert refused.json()["code"] == "imagine:content-moderated"
    assert refused.json()["usage"]["cost_in_usd_ticks"] == round(0.02 * TICKS)
    request_id = generate(api, deferred=True).json()["request_id"]
    blocked = poll_until_finished(api, "/images/" + request_id)[-1].json()
    assert blocked["data"][0]["respect_moderation"] is False
    assert standin.counters.images_accepted == 2


def test_image_calls_share_the_create_faults_and_idempotency(
    standin: XaiStandin, api: httpx.Client
) -> None:
    standin.faults.create_429_every = 2
    assert generate(api).status_code == 200
    assert generate(api).status_code == 429
    standin.faults.create_429_every = 0
    standin.faults.create_502_every = 1
    key = {"Idempotency-Key": "same-job"}
    first = api.post("/images/edits", json={"prompt": "x", "image": {"url": png()}}, headers=key)
    assert first.status_code == 502
    standin.faults.create_502_every = 0
    again = api.post("/images/edits", json={"prompt": "x", "image": {"url": png()}}, headers=key)
    assert again.status_code == 200
    assert standin.counters.images_accepted == 2  # the 502 one was made and billed, once
    standin.faults.poll_error_every = 1
    request_id = generate(api, deferred=True).json()["request_id"]
    assert api.get(f"/images/{request_id}").status_code in (502, 503)
