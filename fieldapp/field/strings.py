"""Strings the field page's JavaScript shows, taken from the same gettext catalogs as the templates."""
from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import ngettext


def _plural(forms: Callable[[int], str]) -> dict[str, str]:
    """Both forms of a count string for i18n.js ({count} is filled in on the phone; sv and en have one/other).

    ``forms`` calls ngettext with literal strings, so the catalog extractor sees them.
    """
    return {"one": forms(1), "other": forms(2)}


def js_strings() -> dict[str, str]:
    """Translated strings for the current request's language, keyed for static/js/field/i18n.js."""
    return {
        "stopProgress": _("Stop %(stop)s of %(total)s · %(metres)s m along the route", stop="{stop}",
                          total="{total}", metres="{metres}"),
        "offRoute": _("%(metres)s m from the route", metres="{metres}"),
        "noPosition": _("Waiting for your position…"),
        "positionDenied": _("Your position is not available. You can tap the map or pick a stop."),
        "accuracy": _("GPS accuracy ±%(metres)s m", metres="{metres}"),
        "accuracyPoor": _("The position is uncertain (±%(metres)s m). Drag the marker or pick a stop.",
                          metres="{metres}"),
        "showMarker": _("Show the marker"),
        "noteCount": _("%(used)s of %(max)s characters", used="{used}", max="{max}"),
        "noteFull": _("The note is full (%(max)s characters). Shorten it to add more; the rest was not "
                      "added.", max="{max}"),
        "photoConverted": _("will be converted on upload"),
        "photoNoPreview": _("No preview on this phone"),
        "allSent": _("Everything is sent."),
        "countWaiting": _plural(lambda n: ngettext("%(count)s waiting", "%(count)s waiting", n,
                                                   count="{count}")),
        "countAttention": _plural(lambda n: ngettext("%(count)s needs attention", "%(count)s need attention",
                                                     n, count="{count}")),
        "offline": _("Offline – your findings are saved on this phone and sent when you have network."),
        "offlineShort": _("Offline"),
        "online": _("Online"),
        "statusPending": _("Waiting to send"),
        "statusSending": _("Sending…"),
        "statusSent": _("Sent"),
        "statusSentLate": _("Sent – arrived after the walk closed"),
        "statusSentLateAccepted": _("Sent after the walk – still included"),
        "statusAttention": _("Needs attention"),
        "statusConflict": _("Changed by someone else"),
        "reasonConflict": _("Someone else (the organiser or another phone) changed this finding after you "
                            "did. Keep their version, or send yours on top of it."),
        "reasonLinkRevoked": _("The walk's join link was replaced. Ask the organiser for the new link; "
                               "until then you can copy the text of this finding."),
        "reasonNotJoined": _("This phone is no longer joined to the walk. Open the walk's join link again."),
        "reasonWalkClosed": _("The walk is closed and did not accept this."),
        "reasonOther": _("The server did not accept this (error %(status)s).", status="{status}"),
        "reasonPhoto": _("A photo was not accepted: %(reason)s", reason="{reason}"),
        "storageFull": _("The phone's storage is full: this could not be saved. Free some space (old photos, "
                         "apps) and try again. Nothing already saved here is lost."),
        "retry": _("Try again"),
        "copyText": _("Copy the text"),
        "copied": _("Copied"),
        "discard": _("Discard"),
        "discardConfirm": _("Remove this finding from this phone? What the server already has is kept."),
        "keepServer": _("Keep their version"),
        "sendMine": _("Send mine anyway"),
        "cancel": _("Cancel"),
        "saved": _("Saved on this phone"),
        "photoCount": _plural(lambda n: ngettext("%(count)s photo", "%(count)s photos", n, count="{count}")),
        "mapPosition": _("Position from the map"),
        "centreOnMe": _("Centre on me"),
        "myPosition": _("You are here"),
        "gpsPosition": _("Position from GPS"),
        "stopPosition": _("At stop %(stop)s", stop="{stop}"),
        "chooseCategory": _("Choose a category."),
        "choosePosition": _("Choose a position: wait for GPS, tap the map or pick a stop."),
        "tooManyPhotos": _("At most 3 photos per finding."),
        "photoFailed": _("This photo could not be read."),
        "deleteConfirm": _("Delete this finding?"),
        "edit": _("Edit"),
        "delete": _("Delete"),
        "removePhoto": _("Remove photo"),
        "yourFinding": _("Your finding"),
        "photoOf": _("Photo: %(category)s", category="{category}"),
        "walkClosed": _("The walk is closed; findings can no longer be added or changed."),
        "exifPosition": _("The photo has a position. Use it?"),
        "useIt": _("Use it"),
        "themeDark": _("Dark theme"),
        "themeLight": _("Light theme"),
        "noFindings": _("You have not added any findings yet."),
        "noFindingsOnWalk": _("No findings on this walk yet."),
        "nearestToYou": _("Nearest to you first."),
        "nearestToStart": _("Nearest to the start of the route first (your position is not known)."),
        "everyoneUnsorted": _("In the order they were made."),
        "clusterLabel": _plural(lambda n: ngettext("%(count)s finding here – zoom in",
                                                   "%(count)s findings here – zoom in", n, count="{count}")),
        "safe": _("Safe"),
        "unsafe": _("Unsafe"),
        **_map_loading_strings(),
        **_follow_up_strings(),
    }


def _follow_up_strings() -> dict[str, str | dict[str, str]]:
    """A follow-up walk: the earlier walk's findings on the map and the participants' checks of them."""
    return {
        "lastWalk": _("Last walk"),
        "lastWalkFinding": _("Last walk: %(category)s", category="{category}"),
        "lastWalkCluster": _plural(lambda n: ngettext("%(count)s finding from the last walk here – zoom in",
                                                      "%(count)s findings from the last walk here – zoom in",
                                                      n, count="{count}")),
        "measureStatus": _("Measure: %(status)s", status="{status}"),
        "publicAnswer": _("Answer: %(answer)s", answer="{answer}"),
        "verdictFixed": _("Fixed"),
        "verdictStill": _("Still a problem"),
        "checkedFixed": _("Checked: fixed"),
        "checkedStill": _("Checked: still a problem"),
        "notChecked": _("Not checked yet"),
        "checkWaiting": _("waiting to send"),
        "checkAttention": _("not accepted: %(reason)s", reason="{reason}"),
        "checkNote": _("Note (optional)"),
        "checkQuestion": _("What is it like now?"),
        "checkedCount": _plural(lambda n: ngettext("Last walk: %(checked)s of %(count)s checked",
                                                   "Last walk: %(checked)s of %(count)s checked", n,
                                                   checked="{checked}", count="{count}")),
    }


def _map_loading_strings() -> dict[str, str | dict[str, str]]:
    """The map while it loads (slow networks) and the route-area map download (tile pre-cache)."""
    return {
        "tilesLoading": _("Loading map images…"),
        "tilesMissing": _("Map images cannot be loaded right now; the route and stops are shown."),
        "mapUnavailable": _("The map could not be loaded. You can still add findings at a stop."),
        "precacheAsk": _("Download the map around the route now (about %(size)s), so that it shows without a "
                         "network during the walk?", size="{size}"),
        "precacheProgress": _plural(lambda n: ngettext(
            "Downloading the map: %(done)s of %(count)s map image",
            "Downloading the map: %(done)s of %(count)s map images", n, done="{done}", count="{count}")),
        "precacheDone": _plural(lambda n: ngettext(
            "The map around the route is on this phone (%(count)s map image, %(size)s).",
            "The map around the route is on this phone (%(count)s map images, %(size)s).", n,
            count="{count}", size="{size}")),
        "precacheCapped": _("The map download stopped at the size limit (%(size)s); the rest of the map "
                            "loads when there is a network.", size="{size}"),
        "precacheFailed": _("The map could not be downloaded. It loads as you go when there is a network."),
        "precacheStopped": _("Map download stopped. The map loads as you go when there is a network."),
    }
