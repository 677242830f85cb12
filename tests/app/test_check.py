"""`fieldapp check` finds orphaned, missing and temporary files; `--repair` fixes what is safe."""
from __future__ import annotations

import io
import uuid

from PIL import Image

from fieldapp.extensions import db
from fieldapp.models import Photo
from fieldapp.services.demo import seed_demo
from fieldapp.storage import photo_store


def test_clean_store_then_each_kind_of_damage(app, runner) -> None:
    seed_demo()
    clean = runner.invoke(args=["check"])
    assert clean.exit_code == 0 and "agree" in clean.output

    store = photo_store()
    photo = db.session.query(Photo).first()
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "JPEG")
    orphan_key = "ab" * 32
    store.put(orphan_key, buffer.getvalue())
    store.delete(photo.thumb_sha256)
    broken = db.session.query(Photo).filter(Photo.id != photo.id).first()
    store.delete(broken.sha256)
    if hasattr(store, "root"):
        (store.root / "ab" / ".tmp-interrupted").write_bytes(b"partial")
    db.session.commit()

    report = runner.invoke(args=["check"])
    assert report.exit_code == 1
    assert f"orphaned file: {orphan_key}" in report.output
    assert f"missing file: {photo.thumb_sha256}" in report.output
    assert f"photo without its display file: {broken.uuid}" in report.output
    if hasattr(store, "root"):
        assert "temporary file left by an interrupted write" in report.output

    repaired = runner.invoke(args=["check", "--repair"])
    assert "rebuilt thumbnail of photo" in repaired.output
    assert f"deleted orphaned file {orphan_key}" in repaired.output
    assert not store.exists(orphan_key)
    db.session.expire_all()
    assert store.exists(db.session.get(Photo, photo.id).thumb_sha256)
    # A lost display image cannot be rebuilt: still reported, never silently deleted.
    assert repaired.exit_code == 1 and f"photo without its display file: {broken.uuid}" in repaired.output
    assert db.session.get(Photo, broken.id) is not None


def test_database_photo_store(app, runner) -> None:
    """The PostgreSQL/database store keeps photo bytes in photo_blobs and serves them the same way."""
    app.config["PHOTO_STORE"] = "database"
    seed_demo()
    from fieldapp.models import PhotoBlob

    assert db.session.query(PhotoBlob).count() >= 4
    assert runner.invoke(args=["check"]).exit_code == 0
    photo = db.session.query(Photo).first()
    assert photo_store().get(photo.sha256)[:2] == b"\xff\xd8"
    assert photo_store().get(uuid.uuid4().hex * 2) is None
