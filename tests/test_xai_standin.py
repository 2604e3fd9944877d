"""The xAI stand-in follows the documented protocol, and its faults do what they say."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fixtures_xai import poll_until_finished

from storyboard._media import probe
from storyboard.testing.xai_standin import Faults, StandinProcess, XaiStandin

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
BODY = {"model": "grok-imagine-video", "prompt": "a cat", "duration": 1}


@pytest.fixture
def api(standin: XaiStandin, xai_key: str) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {xai_key}"}
    with httpx.Client(base_url=standin.base_url, headers=headers) as client:
        yield client


def create(api: httpx.Client, **fields: Any) -> httpx.Response:
    return api.post("/videos/generations", json={**BODY, **fields})


def upload(api: httpx.Client, content: bytes = PNG) -> str:
    response = api.post(
        "/files", data={"expires_after": "3600"}, files={"file": ("a.png", content, "image/png")}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def test_a_job_is_pending_then_done_with_a_real_clip(
    standin: XaiStandin, api: httpx.Client
) -> None:
    standin.faults.hold_jobs = True
    created = create(api, aspect_ratio="9:16", duration=2)
    assert created.status_code == 200
    request_id = created.json()["request_id"]
    pending = [api.get(f"/videos/{request_id}") for _ in range(2)]
    standin.faults.hold_jobs = False
    answers = poll_until_finished(api, "/videos/" + request_id)
    assert [answer.status_code for answer in pending] == [202, 202]
    assert b"" in [answer.content for answer in pending]
    assert any(answer.content and answer.json()["status"] == "pending" for answer in pending)
    done = answers[-1].json()
    assert done["status"] == "done"
    assert done["video"]["respect_moderation"] is True
    assert done["usage"]["cost_in_usd_ticks"] == int(2 * 0.05 * 1e10)
    video = httpx.get(done["video"]["url"])
    assert video.headers["content-length"] == str(len(video.content))


def test_the_clip_has_the_requested_duration_and_shape(standin: XaiStandin, tmp_path: Path) -> None:
    clip = standin._api.clips.clip(2, "9:16", "720p")
    info = probe(clip)
    assert abs(info.duration - 2) < 0.2
    assert (info.width, info.height) == (144, 256)
    assert info.video_codec == "h264" and info.pixel_format == "yuv420p"
    assert info.audio_codec == "aac"


def test_a_wrong_key_is_refused_and_never_logged(standin: XaiStandin, xai_key: str) -> None:
    wrong = httpx.post(
        f"{standin.base_url}/videos/generations",
        json={"model": "grok-imagine-video", "prompt": "x"},
        headers={"Authorization": "Bearer not-the-key"},
    )
    assert wrong.status_code == 401
    assert set(wrong.json()["error"]) == {"message", "type", "code"}
    assert standin.requests[-1].auth == "wrong"
    assert standin.counters.generations_accepted == 0
    stats = json.dumps(httpx.get(f"{standin.origin}/_standin/stats").json())
    assert "not-the-key" not in stats and xai_key not in stats


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"seconds": 5}, 400),
        ({"reference_images": [{"url": "https://x/a.png"}], "image": {"url": "https://x/b"}}, 400),
        ({"reference_images": [{"url": "https://x/a.png"}] * 8}, 400),
        ({"reference_images": [{"url": "https://x/a.png", "file_id": "file_1"}]}, 400),
        ({"reference_images": [{"file_id": "file_nope"}]}, 400),
        ({"reference_images": [{"url": "http://x/a.png"}]}, 400),
        ({"reference_images": [{"url": "https://x/a.png"}], "duration": 11}, 422),
        ({"reference_images": [{"url": "https://x/a.png"}], "resolution": "1080p"}, 422),
        ({"duration": 16}, 422),
        ({"duration": "5"}, 400),
        ({"aspect_ratio": "2:1"}, 422),
        ({"prompt": ""}, 400),
        ({"model": "grok-imagine-video-9"}, 404),
        ({"model": "grok-imagine-video-1.5", "reference_images": [{"url": "https://x/a"}]}, 400),
    ],
)
def test_invalid_requests_are_refused_like_the_api(
    standin: XaiStandin, api: httpx.Client, fields: dict[str, Any], status: int
) -> None:
    answer = create(api, **fields)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["message"]
    assert standin.counters.generations_accepted == 0


def test_valid_requests_of_each_mode_are_accepted(standin: XaiStandin, api: httpx.Client) -> None:
    file_id = upload(api)
    png_uri = "data:image/png;base64,iVBORw0KGgo="
    references = [{"url": "https://x/a.png"}, {"file_id": file_id}, {"url": png_uri}]
    assert create(api, reference_images=references, duration=10).status_code == 200
    assert create(api, image={"file_id": file_id}, prompt=None, duration=15).status_code == 200
    assert create(api, resolution="720p", aspect_ratio="3:2").status_code == 200
    hd = create(api, model="grok-imagine-video-1.5", resolution="1080p", aspect_ratio="9:16")
    assert hd.status_code == 200
    assert standin.counters.generations_accepted == 4


def test_uploads_need_expires_after_before_the_file(standin: XaiStandin, api: httpx.Client) -> None:
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
        f"Content-Type: image/png\r\n\r\n"
    ).encode() + PNG
    body += (
        f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="expires_after"\r\n\r\n'
        f"3600\r\n--{boundary}--\r\n"
    ).encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    answer = api.post("/files", content=body, headers=headers)
    assert answer.status_code == 400
    assert "before" in answer.json()["error"]["message"]
    assert standin.counters.uploads == 0


def test_an_upload_answers_its_id_size_and_expiry(standin: XaiStandin, api: httpx.Client) -> None:
    answer = api.post(
        "/files", data={"expires_after": "7200"}, files={"file": ("cat.png", PNG, "image/png")}
    )
    payload = answer.json()
    assert payload["id"].startswith("file_")
    assert payload["bytes"] == len(PNG)
    assert payload["filename"] == "cat.png"
    assert abs(payload["expires_at"] - (time.time() + 7200)) < 5
    assert standin.requests[-1].body == {
        "fields": ["expires_after", "file"],
        "bytes": int(answer.request.headers["content-length"]),
    }


def test_uploads_can_be_switched_off(standin: XaiStandin, api: httpx.Client) -> None:
    standin.faults.uploads_unavailable = True
    answer = api.post("/files", files={"file": ("a.png", PNG, "image/png")})
    assert answer.status_code == 404


def test_every_nth_create_fails_and_every_mth_is_rate_limited(
    standin: XaiStandin, api: httpx.Client
) -> None:
    standin.faults.apply({"create_500_every": 3, "create_429_every": 2, "retry_after": 7})
    statuses = [create(api).status_code for _ in range(6)]
    assert statuses == [200, 429, 500, 429, 200, 500]
    assert create(api).status_code == 200
    assert standin.counters.generations_accepted == 3
    standin.faults.create_500_every = 0
    assert create(api).status_code == 429
    assert api.post("/files", files={"file": ("a.png", PNG, "image/png")}).status_code == 200
    assert (standin.counters.posts, standin.counters.creates) == (9, 8)


def test_uploads_fail_on_their_own_count(standin: XaiStandin, api: httpx.Client) -> None:
    standin.faults.upload_500_every = 2
    assert create(api).status_code == 200
    files = {"file": ("a.png", PNG, "image/png")}
    statuses = [api.post("/files", files=files).status_code for _ in range(4)]
    assert statuses == [200, 500, 200, 500]


def test_a_create_can_be_accepted_and_then_answered_502(
    standin: XaiStandin, api: httpx.Client
) -> None:
    standin.faults.create_502_every = 1
    assert create(api).status_code == 502
    assert standin.counters.generations_accepted == 1


@pytest.mark.parametrize(("honour", "jobs"), [(True, 1), (False, 2)])
def test_idempotency_keys_are_honoured_or_ignored(
    standin: XaiStandin, api: httpx.Client, honour: bool, jobs: int
) -> None:
    standin.faults.honour_idempotency = honour
    headers = {"Idempotency-Key": "job-1"}
    first = api.post("/videos/generations", json=BODY, headers=headers).json()["request_id"]
    again = api.post("/videos/generations", json=BODY, headers=headers).json()["request_id"]
    assert (first == again) is honour
    assert standin.counters.generations_accepted == jobs
    api.post("/videos/generations", json=BODY, headers={"Idempotency-Key": "job-2"})
    assert standin.counters.generations_accepted == jobs + 1


def test_forgotten_files_are_refused_by_the_create(standin: XaiStandin, api: httpx.Client) -> None:
    file_id = upload(api)
    standin.forget_files()
    answer = create(api, image={"file_id": file_id}, prompt=None)
    assert answer.status_code == 400
    assert file_id in answer.json()["error"]["message"]


def test_failed_blocked_and_moderated_answers_carry_usage(
    standin: XaiStandin, api: httpx.Client
) -> None:
    standin.faults.outcomes = {"cat": ["failed:internal_error", "blocked", "moderated"]}
    finals = [
        poll_until_finished(api, "/videos/" + create(api, prompt="a cat").json()["request_id"])[-1]
        for _ in range(3)
    ]
    assert [final.status_code for final in finals] == [200, 200, 400]
    assert finals[2].json()["code"] == "imagine:content-moderated"
    assert all(final.json()["usage"]["cost_in_usd_ticks"] == 5 * 10**8 for final in finals)
    standin.faults.report_usage = False
    final = poll_until_finished(api, "/videos/" + create(api).json()["request_id"])[-1]
    assert "usage" not in final.json()


def test_rate_limits_say_when_to_come_back(standin: XaiStandin, api: httpx.Client) -> None:
    standin.faults.apply({"create_429_every": 1, "retry_after": 2.5})
    answer = create(api)
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "2.5"


def test_every_kth_poll_is_unavailable(standin: XaiStandin, api: httpx.Client) -> None:
    standin.faults.poll_error_every = 2
    request_id = create(api).json()["request_id"]
    statuses = [api.get(f"/videos/{request_id}").status_code for _ in range(4)]
    assert (statuses[1], statuses[3]) == (503, 502)
    assert statuses[0] in (200, 202)


def test_unknown_jobs_are_404(api: httpx.Client) -> None:
    assert api.get("/videos/nope").status_code == 404


@pytest.mark.slow
def test_the_first_download_of_a_clip_is_cut_short(standin: XaiStandin, api: httpx.Client) -> None:
    standin.faults.truncate_first_download = True
    request_id = create(api).json()["request_id"]
    url = poll_until_finished(api, "/videos/" + request_id)[-1].json()["video"]["url"]
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(url)
    whole = httpx.get(url)
    assert len(whole.content) == int(whole.headers["content-length"])
    assert standin.counters.downloads == 2


def test_a_dropped_create_is_still_accepted(standin: XaiStandin, api: httpx.Client) -> None:
    standin.faults.drop_create_response = True
    with pytest.raises(httpx.RemoteProtocolError):
        create(api)
    assert standin.counters.generations_accepted == 1
    assert standin.requests[-1].status is None


def test_scripted_outcomes_are_consumed_in_order(standin: XaiStandin, api: httpx.Client) -> None:
    standin.faults.outcomes = {"doomed": ["failed:internal_error", "expired", "blocked"]}
    finals = []
    for _ in range(4):
        request_id = create(api, prompt="a doomed cat").json()["request_id"]
        finals.append(poll_until_finished(api, "/videos/" + request_id)[-1].json())
    assert finals[0]["status"] == "failed"
    assert finals[0]["error"]["code"] == "internal_error"
    assert finals[1] == {"status": "expired"}
    assert finals[2]["status"] == "done"
    assert finals[2]["video"] == {"url": "", "duration": 1, "respect_moderation": False}
    assert finals[3]["status"] == "done" and finals[3]["video"]["url"]
    assert create(api, prompt="another cat").status_code == 200


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ("code", {"code": "invalid_api_key", "error": "Incorrect API key provided"}),
        ("string", {"error": "Incorrect API key provided"}),
    ],
)
def test_error_bodies_come_in_every_documented_shape(
    standin: XaiStandin, shape: str, expected: dict[str, str]
) -> None:
    standin.faults.error_shape = shape
    answer = httpx.post(f"{standin.base_url}/videos/generations", json={})
    assert answer.json() == expected


def test_request_latency_slows_every_request(standin: XaiStandin, api: httpx.Client) -> None:
    standin.faults.request_latency = 0.2
    started = time.monotonic()
    api.get("/videos/nope")
    assert time.monotonic() - started >= 0.2


def test_held_jobs_stay_pending_until_let_go(xai_key: str, standin_clip_dir: Path) -> None:
    held = Faults(hold_jobs=True)
    with XaiStandin(key=xai_key, latency=0, faults=held, clip_dir=standin_clip_dir) as standin:
        headers = {"Authorization": f"Bearer {xai_key}"}
        with httpx.Client(base_url=standin.base_url, headers=headers) as client:
            request_id = create(client).json()["request_id"]
            assert [client.get(f"/videos/{request_id}").status_code for _ in range(3)] == [202] * 3
            standin.faults.hold_jobs = False
            assert client.get(f"/videos/{request_id}").json()["status"] == "done"


def test_faults_and_stats_work_over_http(standin: XaiStandin) -> None:
    changed = httpx.post(
        f"{standin.origin}/_standin/faults",
        json={"create_500_every": 2, "outcomes": {"x": ["expired"]}},
    )
    assert changed.status_code == 200
    assert standin.faults.create_500_every == 2
    assert standin.faults.outcomes == {"x": ["expired"]}
    refused = httpx.post(f"{standin.origin}/_standin/faults", json={"create_500_every": "often"})
    assert refused.status_code == 400
    refused = httpx.post(f"{standin.origin}/_standin/faults", json={"outcomes": {"x": ["meh"]}})
    assert refused.status_code == 400
    stats = httpx.get(f"{standin.origin}/_standin/stats").json()
    assert stats["counters"]["posts"] == 0
    assert stats["faults"]["create_500_every"] == 2
    httpx.post(f"{standin.origin}/_standin/reset")


def test_faults_check_their_values() -> None:
    faults = Faults()
    with pytest.raises(ValueError, match="no such fault"):
        faults.apply({"post_999_every": 1})
    with pytest.raises(ValueError, match="negative"):
        faults.apply({"retry_after": -1})
    faults.apply({"retry_after": 2})
    assert faults.retry_after == 2.0


@pytest.mark.slow
def test_the_standin_runs_as_a_process(xai_key: str) -> None:
    args = ["--create-500-every", "2", "--no-honour-idempotency"]
    with StandinProcess(key=xai_key, latency=0.1, args=args) as process:
        assert process.base_url.startswith("http://127.0.0.1:")
        headers = {"Authorization": f"Bearer {xai_key}"}
        with httpx.Client(base_url=process.base_url, headers=headers) as client:
            assert create(client).status_code == 200
            assert create(client).status_code == 500
        process.set_faults(create_500_every=0)
        stats = process.stats()
        assert stats["faults"]["create_500_every"] == 0
        assert stats["faults"]["honour_idempotency"] is False
        assert process.counters().generations_accepted == 1


@pytest.mark.slow
def test_the_process_refuses_bad_fault_flags() -> None:
    with pytest.raises(RuntimeError, match="did not start"):
        StandinProcess(args=["--outcome", "x=sometimes"])


def test_jobs_in_flight_are_counted_until_a_poll_sees_them_finished(
    standin: XaiStandin, api: httpx.Client
) -> None:
    first, second = (create(api).json()["request_id"] for _ in range(2))
    assert standin.counters.max_in_flight == 2
    poll_until_finished(api, "/videos/" + first)
    poll_until_finished(api, "/videos/" + second)
    create(api)
    assert standin.counters.max_in_flight == 2


def video_uri(standin: XaiStandin, seconds: int) -> str:
    clip = standin._api.clips.clip(seconds, "16:9", "480p", "abc")
    return "data:video/mp4;base64," + base64.b64encode(clip.read_bytes()).decode()


def test_an_edit_keeps_the_length_and_bills_the_input_seconds(
    standin: XaiStandin, api: httpx.Client
) -> None:
    video = {"url": video_uri(standin, 2)}
    created = api.post("/videos/edits", json={"prompt": "at night", "video": video})
    assert created.status_code == 200, created.text
    done = poll_until_finished(api, "/videos/" + created.json()["request_id"])[-1].json()
    assert done["video"]["duration"] == 2
    ticks = done["usage"]["cost_in_usd_ticks"]
    assert 2 * 0.06 * 1e10 <= ticks <= 2.2 * 0.06 * 1e10  # 480p out plus about 2 s in
    edited = httpx.get(done["video"]["url"]).content
    assert edited != Path(standin._api.clips.clip(2, "16:9", "480p", "abc")).read_bytes()


def test_an_extension_answers_the_whole_video(standin: XaiStandin, api: httpx.Client) -> None:
    file_id = upload(api, standin._api.clips.clip(2, "16:9", "480p", "abc").read_bytes())
    body = {"prompt": "she opens the hatch", "video": {"file_id": file_id}, "duration": 3}
    created = api.post("/videos/extensions", json=body)
    assert created.status_code == 200, created.text
    done = poll_until_finished(api, "/videos/" + created.json()["request_id"])[-1].json()
    assert done["video"]["duration"] == 5
    assert standin.counters.generations_accepted == 1


@pytest.mark.parametrize(
    ("kind", "seconds", "fields", "status"),
    [
        ("edits", 9, {}, 422),
        ("extensions", 1, {}, 422),
        ("extensions", 16, {}, 422),
        ("extensions", 2, {"duration": 11}, 422),
        ("extensions", 2, {"duration": 1}, 422),
        ("extensions", 2, {"duration": "3"}, 400),
        ("edits", 2, {"model": "grok-imagine-video-1.5"}, 400),
        ("edits", 2, {"duration": 3}, 400),
        ("extensions", 2, {"user": "me"}, 400),
        ("edits", 2, {"aspect_ratio": "16:9"}, 400),
        ("edits", 2, {"prompt": " "}, 400),
        ("edits", 2, {"video": {"url": "https://x/a.mp4"}}, 400),
        ("edits", 2, {"video": {"url": "data:video/mp4;base64,AAAA"}}, 400),
        ("edits", 2, {"video": {"file_id": "file_nope"}}, 400),
        ("extensions", 2, {"video": None}, 400),
    ],
)
def test_revisions_outside_the_documented_limits_are_refused(
    standin: XaiStandin,
    api: httpx.Client,
    kind: str,
    seconds: int,
    fields: dict[str, Any],
    status: int,
) -> None:
    body = {"prompt": "at night", "video": {"url": video_uri(standin, seconds)}, **fields}
    answer = api.post(f"/videos/{kind}", json=body)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["message"]
    assert standin.counters.generations_accepted == 0


def test_a_revision_honours_its_idempotency_key(standin: XaiStandin, api: httpx.Client) -> None:
    body = {"prompt": "at night", "video": {"url": video_uri(standin, 2)}}
    headers = {"Idempotency-Key": "step-1"}
    first = api.post("/videos/edits", json=body, headers=headers).json()["request_id"]
    again = api.post("/videos/edits", json=body, headers=headers).json()["request_id"]
    assert first == again
    assert standin.counters.generations_accepted == 1
    assert standin.counters.creates == 2


def test_moderation_refuses_an_edit_on_the_poll_and_bills_it(
    standin: XaiStandin, api: httpx.Client
) -> None:
    standin.faults.outcomes = {"night": ["moderated"]}
    body = {"prompt": "at night", "video": {"url": video_uri(standin, 2)}}
    final = poll_until_finished(
        api, "/videos/" + api.post("/videos/edits", json=body).json()["request_id"]
    )[-1]
    assert final.status_code == 400
    assert final.json()["usage"]["cost_in_usd_ticks"] > 0
