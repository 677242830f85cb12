"""Staff pages' words: coded values as dicts for select boxes (from fieldapp/labels.py), history events."""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext

from fieldapp import labels
from fieldapp.labels import names
from fieldapp.models import Event


def measure_status_names() -> dict[str, str]:
    """Measure statuses (fieldapp/labels.py) and the review list's two extra filter states."""
    return {
        **{str(k): v for k, v in names(labels.MEASURE_STATUS).items()},
        "no_measure": gettext("No measure yet"),
        "hidden": gettext("Hidden"),
    }


def priority_names() -> dict[str, str]:
    return {str(k): v for k, v in names(labels.PRIORITY).items()}


def pdf_state_label(state: str) -> str:
    """What a protocol PDF render is doing, for the status page and its poller."""
    return {
        "queued": gettext("Waiting for its turn…"),
        "rendering": gettext("PDF being prepared…"),
        "ready": gettext("The PDF is ready."),
        "failed": gettext("The PDF could not be made."),
    }[state]


def role_names() -> dict[str, str]:
    return {str(k): v for k, v in names(labels.ROLE).items()}


def open311_state_names() -> dict[str | None, str]:
    """Open311 send states of a measure (services.open311_send) in the current language."""
    return {
        None: gettext("Not sent"),
        "pending": gettext("Queued"),
        "sending": gettext("Sending"),
        "retrying": gettext("Will retry"),
        "awaiting_id": gettext("Received, waiting for id"),
        "sent": gettext("Sent"),
        "failed": gettext("Failed"),
    }


def party_kind_names() -> dict[str, str]:
    return {str(k): v for k, v in names(labels.PARTY_KIND).items()}


EVENT_NAMES = {
    "walk_created": lazy_gettext("Walk created"),
    "walk_edited": lazy_gettext("Walk details changed"),
    "finding_edited": lazy_gettext("Finding corrected"),
    "finding_hidden": lazy_gettext("Finding hidden"),
    "finding_shown": lazy_gettext("Finding shown again"),
    "photo_hidden": lazy_gettext("Photo hidden"),
    "photo_shown": lazy_gettext("Photo shown again"),
    "photo_blurred": lazy_gettext("Part of a photo blurred"),
    "photo_unblurred": lazy_gettext("Blurring removed"),
    "merged": lazy_gettext("Duplicates merged into this finding"),
    "merged_into": lazy_gettext("Merged into another finding"),
    "unmerged": lazy_gettext("Merge undone"),
    "group_unmerged": lazy_gettext("Merge undone"),
    "measure_created": lazy_gettext("Measure created"),
    "measure_edited": lazy_gettext("Measure changed"),
    "measure_status": lazy_gettext("Status changed"),
    "open311_queued": lazy_gettext("Queued for sending with Open311"),
    "open311_sent": lazy_gettext("Sent with Open311"),
    "open311_failed": lazy_gettext("Open311 sending failed"),
    "measure_after_photo": lazy_gettext("Photo after the measure added"),
    "photo_approved": lazy_gettext("Photo approved for publication"),
    "photo_rejected": lazy_gettext("Photo rejected for publication"),
    "photo_internal": lazy_gettext("Photo made internal again"),
    "walk_archived": lazy_gettext("Walk archived"),
    "walk_unarchived": lazy_gettext("Walk taken out of the archive"),
}


def describe_event(event: Event) -> str:
    """One line saying what happened, in the current language."""
    name = str(EVENT_NAMES.get(event.kind, event.kind))
    data = event.data or {}
    if event.kind == "measure_status":
        statuses = measure_status_names()
        text = (
            f"{name}: {statuses.get(data.get('old'), data.get('old'))} → {statuses.get(data.get('new'), '')}"
        )
        if data.get("reason"):
            text += f" ({data['reason']})"
        if data.get("responsible_party"):
            text += " · " + gettext("new owner: %(name)s", name=data["responsible_party"])
        return text
    if event.kind in ("measure_created", "measure_edited"):
        parts = []
        if "priority" in data:
            parts.append(
                gettext("priority: %(p)s", p=priority_names().get(data["priority"], data["priority"]))
            )
        if data.get("responsible_party"):
            parts.append(gettext("responsible: %(name)s", name=data["responsible_party"]))
        if data.get("deadline"):
            parts.append(gettext("deadline: %(date)s", date=data["deadline"]))
        if "proposal" in data:
            parts.append(gettext("proposal changed"))
        return f"{name}: {', '.join(parts)}" if parts else name
    if event.kind == "open311_sent" and data.get("service_request_id"):
        return f"{name}: {data['service_request_id']}"
    if event.kind == "open311_failed" and data.get("error"):
        return f"{name}: {data['error']}"
    if event.kind == "merged":
        return f"{name} ({len(data.get('members', []))})"
    if event.kind == "finding_edited":
        fields = {
            "note": gettext("note"),
            "internal_note": gettext("internal note"),
            "category": gettext("category"),
            "position": gettext("position"),
        }
        return f"{name}: {', '.join(fields[k] for k in data if k in fields)}"
    return name


def category_icon_names() -> dict[str, str]:
    """What each category icon shows (fieldapp.services.categories.ICONS), for the admin's choice."""
    return {
        "safe": gettext("Shield with a tick (safe place)"),
        "lighting": gettext("Street lamp"),
        "sightlines": gettext("Eye, crossed out"),
        "vegetation": gettext("Bush"),
        "isolation": gettext("A person alone"),
        "underpass": gettext("Tunnel"),
        "maintenance": gettext("Broom"),
        "litter": gettext("Litter bin"),
        "graffiti": gettext("Spray can"),
        "vandalism": gettext("Broken window"),
        "abandoned": gettext("Boarded-up house"),
        "traffic": gettext("Traffic light"),
        "walkway": gettext("Footpath"),
        "signage": gettext("Signpost"),
        "transit": gettext("Bus"),
        "social": gettext("Loudspeaker (noise, disturbance)"),
        "other": gettext("Question mark"),
    }
