"""The public page of a citizen promise (medborgarlöfte): what was promised and how far it has come."""

from __future__ import annotations

from flask import render_template

from fieldapp.public import bp
from fieldapp.services import promises as promise_service


@bp.get("/promises/<promise_slug>")
def promise(promise_slug: str) -> str:
    the_promise = promise_service.promise_by_slug(promise_slug, public=True)
    return render_template("public/promise.html", promise=the_promise,
                           progress=promise_service.progress(the_promise),
                           walks=promise_service.walks_of(the_promise.measures),
                           buckets=promise_service.PUBLIC_BUCKETS)
