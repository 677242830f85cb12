"""Public feedback pages (återkoppling): the index of published walks, one walk's feedback page, Atom feeds
and the e-mail subscription links. Views parse, call one service and render."""

from __future__ import annotations

from flask import Response, current_app, render_template, request, url_for
from flask_babel import format_date, format_percent, get_locale, gettext
from flask_babel import lazy_gettext as _l
from wtforms import EmailField
from wtforms.validators import DataRequired, Length

from fieldapp.errors import ValidationError
from fieldapp.extensions import csrf, limiter
from fieldapp.forms import Form
from fieldapp.models import Walk
from fieldapp.public import atom, bp
from fieldapp.services import feedback as feedback_service
from fieldapp.services import promises as promise_service
from fieldapp.services import subscriptions as subscription_service

SUBSCRIBE_LIMIT = "10 per hour"


class SubscribeForm(Form):
    email = EmailField(_l("Your e-mail address"), validators=[
        DataRequired(_l("Enter your e-mail address.")), Length(max=254)])


def _locale() -> str:
    return str(get_locale())


@bp.get("/feedback")
def feedback_index() -> str:
    return render_template("public/feedback_index.html", areas=feedback_service.public_index(),
                           promises=promise_service.published_promises(), progress=promise_service.progress)


def _item_labels() -> dict[str, str]:
    """The words repeated on every finding, translated once per page (not once per finding)."""
    return {
        "no": gettext("No. %(number)d"),
        "at_stop": gettext("At stop %(seq)d"),
        "near_stop": gettext("Near stop %(seq)d"),
        "responsible": gettext("Responsible"),
        "answer": gettext("Answer"),
        "reason": gettext("Reason"),
        "before": gettext("Before"),
        "after": gettext("After"),
        "alt_before": gettext("Photo of the place when it was reported"),
        "alt_after": gettext("Photo of the place after the measure"),
    }


def _feedback_page(walk: Walk, form: SubscribeForm, subscribed: bool = False) -> str:
    return render_template(
        "public/feedback.html",
        feedback=feedback_service.walk_feedback(walk, _locale()),
        form=form,
        subscribed=subscribed,
        L=_item_labels(),
        bucket_labels={key: str(label) for key, label in feedback_service.BUCKET_LABELS.items()},
        local_day=feedback_service.local_day,
        format_percent=lambda value: format_percent(value, "#,##0 %"),
        format_date=format_date,
    )


@bp.get("/walks/<slug>/feedback")
def feedback(slug: str) -> str:
    return _feedback_page(feedback_service.public_walk(slug), SubscribeForm())


@bp.post("/walks/<slug>/feedback/subscribe")
@limiter.limit(SUBSCRIBE_LIMIT)
def subscribe(slug: str) -> tuple[str, int]:
    """Ask for a confirmation mail; the page again with the answer (or the problem next to the field)."""
    walk = feedback_service.public_walk(slug)
    form = SubscribeForm()
    if form.validate_on_submit():
        try:
            subscription_service.subscribe(walk, form.email.data or "", _locale())
            return _feedback_page(walk, SubscribeForm(formdata=None), subscribed=True), 200
        except ValidationError as err:
            form.email.errors = [err.message]
    return _feedback_page(walk, form), 422


def _feed_response(feed: atom.Feed) -> Response:
    response = Response(atom.render(feed), mimetype=atom.MIMETYPE)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _author() -> str:
    return current_app.config["MUNICIPALITY_NAME"] or "fieldapp"


def _entries(walks: list[Walk], *, with_walk: bool) -> list[atom.Entry]:
    base = current_app.config["PUBLIC_URL"]
    entries = []
    for item in feedback_service.feed_items(walks, _locale()):
        link = base + url_for("public.feedback", slug=item.walk.slug, _anchor=f"finding-{item.number}")
        title = gettext("No. %(number)d %(category)s: %(status)s", number=item.number,
                        category=item.category, status=item.status_label)
        if with_walk:
            title = f"{item.walk.title} – {title}"
        parts = [item.status_label]
        if item.responsible:
            parts.append(gettext("Responsible: %(name)s", name=item.responsible))
        if item.public_answer:
            parts.append(item.public_answer)
        entries.append(atom.Entry(f"{base}/walks/{item.walk.slug}/feedback#change-{item.event_id}", title,
                                  item.at, link, "\n".join(parts)))
    return entries


@bp.get("/walks/<slug>/feedback.atom")
def walk_feed(slug: str) -> Response:
    walk = feedback_service.public_walk(slug)
    base = current_app.config["PUBLIC_URL"]
    entries = _entries([walk], with_walk=False)
    return _feed_response(atom.Feed(
        id=f"{base}/walks/{walk.slug}/feedback",
        title=gettext("Safety walk %(title)s: what happened", title=walk.title),
        subtitle=walk.area_name,
        author=_author(),
        self_link=base + url_for("public.walk_feed", slug=walk.slug),
        alternate_link=base + url_for("public.feedback", slug=walk.slug),
        updated=entries[0].updated if entries else walk.updated_at,
        language=_locale(),
        entries=entries,
    ))


@bp.get("/feedback/area.atom")
def area_feed() -> Response:
    area = request.args.get("name", "")
    walks = feedback_service.area_walks(area)
    base = current_app.config["PUBLIC_URL"]
    entries = _entries(walks, with_walk=True)
    return _feed_response(atom.Feed(
        id=base + url_for("public.area_feed", name=area),
        title=gettext("Safety walks in %(area)s: what happened", area=area or gettext("other places")),
        subtitle="",
        author=_author(),
        self_link=base + url_for("public.area_feed", name=area),
        alternate_link=base + url_for("public.feedback_index", _anchor=f"area-{area}"),
        updated=entries[0].updated if entries else max(w.updated_at for w in walks),
        language=_locale(),
        entries=entries,
    ))


# --------------------------------------------------------------------------- subscription links


class ConfirmForm(Form):
    """Only the CSRF token: confirming is a button, so link scanners in mail systems do not confirm."""


@bp.route("/subscriptions/<token>/confirm", methods=["GET", "POST"])
def confirm_subscription(token: str) -> str:
    subscription = subscription_service.by_token(token)
    form = ConfirmForm()
    confirmed = subscription.confirmed_at is not None
    if form.validate_on_submit():
        subscription = subscription_service.confirm(token)
        confirmed = True
    return render_template("public/subscription.html", step="confirm", form=form,
                           walk=subscription.walk, confirmed=confirmed)


@bp.get("/subscriptions/<token>/unsubscribe")
def unsubscribe_page(token: str) -> str:
    subscription = subscription_service.by_token(token)
    return render_template("public/subscription.html", step="unsubscribe", walk=subscription.walk,
                           token=token, done=False)


@bp.post("/subscriptions/<token>/unsubscribe")
@csrf.exempt  # RFC 8058 one-click: the mail program posts "List-Unsubscribe=One-Click"; the token is the key
def unsubscribe(token: str) -> str:
    subscription_service.unsubscribe(token)
    return render_template("public/subscription.html", step="unsubscribe", walk=None, token=token, done=True)
