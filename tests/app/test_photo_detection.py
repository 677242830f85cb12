"""Detection on every uploaded photo, in the real job queue: suggestions stored once, failures recorded,
lost jobs swept up, bulk approval only for examined photos; and the daily purge job."""

from __future__ import annotations

import json
import re
import signal
import time
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from huey import signals

from fieldapp import jobs
from fieldapp.extensions import db
from fieldapp.jobs import enqueue, huey_for
from fieldapp.jobs.tasks import detect_photo_regions, purge_expired_data
from fieldapp.models import BlurSuggestion, Event, Participant, Photo, Walk, utcnow
from fieldapp.services import photo_detection, photo_publication
from fieldapp.services.demo import DEMO_SLUG
from fieldapp.storage import photo_store
from tests.app.test_exports import SLUG, prepare_walk
from tests.app.test_photo_uploads import finding_url, upload  # noqa: F401 - fixture

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "detection"
FACES = "faces_3.jpg"  # four faces 112-200 px high (labels.json)


def labelled_faces(name: str) -> list[tuple[float, float, float, float]]:
    labels = json.loads((FIXTURES / "labels.json").read_text())
    image = next(i for i in labels["images"] if i["file"] == name)
    return [(r["x"], r["y"], r["w"], r["h"]) for r in image["regions"] if r["kind"] == "face"]


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def suggestions(photo: Photo) -> list[BlurSuggestion]:
    return list(db.session.scalars(sa.select(BlurSuggestion).where(BlurSuggestion.photo_id == photo.id)
                                   .order_by(BlurSuggestion.id)))


def uploaded(client, finding_url, data: bytes) -> Photo:  # noqa: F811 - the fixture's value
    response = upload(client, finding_url, data)
    assert response.status_code == 201, response.get_json()
    return db.session.scalar(sa.select(Photo).where(Photo.uuid == response.get_json()["uuid"]))


def errors_of(worker) -> list[str]:  # noqa: ANN001 - tests.app.conftest.Worker
    """Jobs that raised (collected from the queue's error signal)."""
    failed: list[str] = []

    @worker.huey.signal(signals.SIGNAL_ERROR)
    def _error(signal, task, exc=None):  # noqa: ANN001, ANN202
        failed.append(f"{task.name}: {exc!r}")

    return failed


def queued_for(worker, photo: Photo) -> int:  # noqa: ANN001 - tests.app.conftest.Worker
    """Detection jobs waiting in the queue for ``photo``."""
    return sum(1 for task in worker.huey.pending()
               if task.name.endswith("detect_photo_regions") and task.args == (photo.id,))


def staff_page(app, finding_uuid: str) -> str:
    staff = app.test_client()
    assert staff.post("/staff/login", data={"email": "organizer@example.se",
                                            "password": "correct horse battery"}).status_code == 302
    page = staff.get(f"/staff/walks/{DEMO_SLUG}/findings/{finding_uuid}?lang=en")
    assert page.status_code == 200
    return page.text


def test_upload_queues_detection_and_the_worker_stores_face_suggestions(
    app, client, finding_url, worker, organizer  # noqa: F811
) -> None:
    photo = uploaded(client, finding_url, (FIXTURES / FACES).read_bytes())
    assert photo.detection_state == "pending" and suggestions(photo) == []  # the request did not detect
    assert queued_for(worker, photo) == 1
    finding_uuid = photo.finding.uuid
    page = staff_page(app, finding_uuid)
    assert "Looking for faces and number plates…" in page and "can miss faces" in page

    failed = errors_of(worker)
    worker.run_until_idle()
    db.session.refresh(photo)
    assert photo.detection_state == "done" and photo.detection_error is None and not failed
    found = suggestions(photo)
    faces = [(s.x, s.y, s.w, s.h) for s in found if s.kind == "face"]
    assert {s.state for s in found} == {"suggested"}
    matched = [label for label in labelled_faces(FACES) if any(iou(label, box) >= 0.3 for box in faces)]
    assert len(matched) == 4, (faces, labelled_faces(FACES))

    page = staff_page(app, finding_uuid)
    assert "Looking for faces and number plates…" not in page and "can miss faces" in page
    assert page.count('class="suggestion-box"') == len(found)


def test_detection_runs_once_however_often_it_is_queued(app, client, finding_url, worker) -> None:  # noqa: F811
    photo = uploaded(client, finding_url, (FIXTURES / FACES).read_bytes())
    enqueue(detect_photo_regions, photo.id)  # a repeated job (a sweep, a retry) before the first ran
    worker.run_until_idle()
    first = [(s.id, s.kind, s.x, s.y, s.w, s.h) for s in suggestions(photo)]
    assert first
    enqueue(detect_photo_regions, photo.id)
    worker.run_until_idle()
    assert photo_detection.run(photo.id) == "done"
    assert [(s.id, s.kind, s.x, s.y, s.w, s.h) for s in suggestions(photo)] == first

    # Examined again on purpose (state reset): the same boxes are not stored twice.
    db.session.execute(sa.update(Photo).where(Photo.id == photo.id).values(detection_state="pending"))
    db.session.commit()
    assert photo_detection.run(photo.id) == "done"
    assert [(s.id, s.kind, s.x, s.y, s.w, s.h) for s in suggestions(photo)] == first


def test_unreadable_or_missing_file_marks_failed_without_an_error(
    app, client, finding_url, worker, organizer  # noqa: F811
) -> None:
    image = (FIXTURES / FACES).read_bytes()
    corrupt = uploaded(client, finding_url, image)
    missing = uploaded(client, finding_url, (FIXTURES / "faces_6.jpg").read_bytes())
    garbage = image[:2000]  # a truncated JPEG stored under the photo's key
    photo_store().delete(corrupt.sha256)
    photo_store().put(corrupt.sha256, garbage)
    photo_store().delete(missing.sha256)
    failed = errors_of(worker)
    worker.run_until_idle()
    db.session.refresh(corrupt)
    db.session.refresh(missing)
    assert not failed  # no exception left the job, so Huey has nothing to retry
    assert corrupt.detection_state == "failed" and corrupt.detection_error.startswith("corrupt_image: ")
    assert missing.detection_state == "failed" and missing.detection_error.startswith("missing_file: ")
    assert suggestions(corrupt) == suggestions(missing) == []
    app.config["DETECTION_REQUEUE_SECONDS"] = 0
    assert photo_detection.sweep() == 0  # failed is final: no retry loop
    assert "could not examine this photo" in staff_page(app, corrupt.finding.uuid)


def test_a_broken_detector_leaves_photos_pending_for_the_sweep(app, client, finding_url, monkeypatch) -> None:  # noqa: F811
    from fieldapp import detection

    photo = uploaded(client, finding_url, (FIXTURES / FACES).read_bytes())

    def missing_model(data: bytes):  # noqa: ANN202
        raise detection.DetectionError("face model file missing", code="model_unavailable")

    monkeypatch.setattr(detection, "detect_regions", missing_model)
    assert photo_detection.run(photo.id) == "pending"  # not the photo's fault: tried again later
    db.session.refresh(photo)
    assert photo.detection_state == "pending" and photo.detection_error is None
    monkeypatch.undo()
    assert photo_detection.run(photo.id) == "done"


def test_a_lost_job_is_queued_again_by_the_sweep(app, client, finding_url, worker, monkeypatch) -> None:  # noqa: F811
    def unreachable(*args):  # noqa: ANN002, ANN202
        raise OSError("queue storage unreachable")

    monkeypatch.setattr(jobs, "enqueue", unreachable)
    photo = uploaded(client, finding_url, (FIXTURES / FACES).read_bytes())  # the upload still succeeds
    monkeypatch.undo()
    assert photo.detection_state == "pending" and queued_for(worker, photo) == 0
    assert photo_detection.sweep() == 0  # queued just now (the demo photos too): not yet lost
    app.config["DETECTION_REQUEUE_SECONDS"] = 0
    assert photo_detection.sweep() == 5 and queued_for(worker, photo) == 1  # with the 4 demo photos
    worker.run_until_idle()
    db.session.refresh(photo)
    assert photo.detection_state == "done" and suggestions(photo)
    assert photo_detection.sweep() == 0


def test_bulk_approval_takes_only_examined_photos_without_open_suggestions(app, staff_client) -> None:
    prepared = prepare_walk()
    photos = [p for p in db.session.scalars(sa.select(Photo).order_by(Photo.id))
              if not p.hidden and not p.finding.hidden]
    for photo in photos:  # all undecided (prepare_walk approved one)
        photo_publication.make_internal(photo, user_id=None)
    assert len(photos) == 4, len(photos)
    clean, unscanned, failed, flagged = photos
    assert {p.detection_state for p in photos} == {"pending"}  # uploads only queue the job
    clean.detection_state = flagged.detection_state = "done"
    failed.detection_state, failed.detection_error = "failed", "corrupt_image: truncated"
    db.session.add_all([
        BlurSuggestion(photo_id=flagged.id, kind="plate", x=0.1, y=0.1, w=0.2, h=0.1, score=0.8),
        BlurSuggestion(photo_id=clean.id, kind="face", x=0.1, y=0.1, w=0.2, h=0.1, score=0.4,
                       state="dismissed"),  # staff looked: not a face
    ])
    db.session.commit()
    result = photo_publication.approve_without_detections(prepared.walk, user_id=None)
    for photo in photos:
        db.session.refresh(photo)
    assert clean.publication == "approved"
    assert unscanned.publication == failed.publication == flagged.publication == "internal"
    assert (result.approved, result.skipped_with_detections, result.skipped_not_examined) == (1, 1, 2)

    response = staff_client.post(f"/staff/walks/{SLUG}/photos/approve-without-detections?lang=en",
                                 follow_redirects=True)
    assert ("0 photos approved for publication; 1 with detected faces or number plates and 2 not yet "
            "examined") in response.text


def test_the_daily_purge_is_a_periodic_job_that_runs_retention_purge(app, worker) -> None:
    queue = huey_for(app)
    periodic = {task.name: task for task in queue._registry.periodic_tasks}
    assert {"purge_expired_data", "sweep_photo_detection", "sweep_protocol_pdfs"} <= set(periodic)
    purge_task = periodic["purge_expired_data"]
    daily = [datetime(2026, 3, 1, h, m) for h in range(24) for m in range(60)
             if purge_task.validate_datetime(datetime(2026, 3, 1, h, m))]
    assert daily == [datetime(2026, 3, 1, 2, 30)]

    old = Walk(slug="old", title="Old", join_token="old-token", status="walked",
               starts_at=utcnow() - timedelta(days=800))
    db.session.add(old)
    db.session.flush()
    db.session.add(Participant(walk_id=old.id, contact_email="gone@example.org", group_type="resident"))
    db.session.commit()
    enqueue(purge_expired_data)
    worker.run_until_idle()
    participant = db.session.scalar(sa.select(Participant).where(Participant.walk_id == old.id))
    assert participant.contact_email is None
    event = db.session.scalar(sa.select(Event).where(Event.kind == "retention_purge"))
    assert event.data["participants"] == 1



def test_worker_killed_mid_queue_loses_nothing_and_examines_each_photo_once(
    app, client, finding_url, database_url, tmp_path  # noqa: F811
) -> None:
    """`fieldapp worker` as a real process, killed (SIGKILL) after the first photo; a second worker
    finishes the queue. The photo the dead worker was examining is found by the sweep."""
    from tests.app.test_jobs import start_worker

    for name in ("faces_1.jpg", "faces_2.jpg", "faces_3.jpg", "faces_4.jpg", "faces_5.jpg", "faces_6.jpg"):
        uploaded(client, finding_url, (FIXTURES / name).read_bytes())
    ids = set(db.session.scalars(sa.select(Photo.id)))  # with the demo walk's photos

    def done() -> set[int]:
        db.session.rollback()
        return set(db.session.scalars(sa.select(Photo.id).where(Photo.detection_state != "pending")))

    def examined(log: Path) -> list[int]:
        return [int(n) for n in re.findall(r"detection of photo (\d+): \d+ regions", log.read_text())]

    def wait(condition, what: str) -> None:  # noqa: ANN001
        deadline = time.monotonic() + 180
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.1)

    first_log, second_log = tmp_path / "worker-1.log", tmp_path / "worker-2.log"
    first = start_worker(app, first_log, database_url)
    try:
        wait(lambda: bool(done()), "the first photo")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    done_first = done()
    assert done_first < ids, "the worker was not killed mid-queue"
    time.sleep(1.1)
    second = start_worker(app, second_log, database_url, FIELDAPP_DETECTION_REQUEUE_SECONDS="1")
    try:
        wait(lambda: done() == ids, "every photo")
    finally:
        second.send_signal(signal.SIGINT)
        second.wait(30)
    db.session.expire_all()
    assert {p.detection_state for p in db.session.scalars(sa.select(Photo))} == {"done"}
    assert set(examined(first_log)) <= done_first
    again = examined(second_log)
    assert len(again) == len(set(again)), second_log.read_text()[-3000:]  # none twice
    assert not set(again) & done_first and done_first | set(again) == ids  # none repeated, none lost
    boxes = db.session.execute(sa.select(BlurSuggestion.photo_id, BlurSuggestion.kind, BlurSuggestion.x,
                                         BlurSuggestion.y, BlurSuggestion.w, BlurSuggestion.h)).all()
    assert len(boxes) == len(set(boxes)) and len({b.photo_id for b in boxes}) >= 6
