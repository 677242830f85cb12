"""Strings the field page's JavaScript shows, taken from the same gettext catalogs as the templates."""
from __future__ import annotations

from flask_babel import gettext as _


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
        "allSent": _("Everything is sent."),
        "waiting": _("%(findings)s findings and %(photos)s photos not sent yet", findings="{findings}",
                     photos="{photos}"),
        "offline": _("Offline – your findings are saved on this phone and sent when you have network."),
        "online": _("Online"),
        "statusPending": _("Waiting to send"),
        "statusSent": _("Sent"),
        "statusError": _("Could not be sent"),
        "statusConflict": _("Changed by the organizer – your edit was not saved"),
        "statusRejected": _("Not accepted"),
        "saved": _("Saved on this phone"),
        "photoCount": _("%(count)s photos", count="{count}"),
        "mapPosition": _("Position from the map"),
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
        "walkClosed": _("The walk is closed; findings can no longer be added or changed."),
        "exifPosition": _("The photo has a position. Use it?"),
        "useIt": _("Use it"),
        "themeDark": _("Dark theme"),
        "themeLight": _("Light theme"),
        "noFindings": _("You have not added any findings yet."),
        "safe": _("Safe"),
        "unsafe": _("Unsafe"),
    }
