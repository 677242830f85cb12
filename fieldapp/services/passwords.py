"""The one password rule for staff accounts, used wherever a password is set (CLI, admin forms, resets).

A password must be at least :data:`MIN_PASSWORD_LENGTH` characters and not easy to guess. "Easy to
guess" is zxcvbn's estimate (score below :data:`MIN_SCORE`): it matches the password against the
30 000 most common leaked passwords it bundles (``zxcvbn.frequency_lists``), dictionary words, names,
keyboard patterns, repeats (``aaaaaaaaaa``) and sequences (``0123456789``). Nothing is fetched
over the network.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext
from zxcvbn import zxcvbn

from fieldapp.errors import N_, ValidationError

MIN_PASSWORD_LENGTH = 10
MIN_SCORE = 2  # zxcvbn: 0–1 = guessable within about a million guesses (the common lists, repeats, sequences)
CHECKED_CHARACTERS = 100  # zxcvbn's time grows with length; a longer password is long enough already

TOO_SHORT = N_("The password must be at least %(n)d characters.")
TOO_COMMON = N_("This password is too easy to guess (a common password, a repeat or a sequence). "
                "Choose another, for example a few unrelated words.")


def password_problem(password: str, user_inputs: Iterable[str] = ()) -> str | None:
    """Why this password is refused (translated, for the form field), or None if it may be used.

    ``user_inputs`` (the account's e-mail and name) count as easy to guess too.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return str(gettext(TOO_SHORT, n=MIN_PASSWORD_LENGTH))
    inputs = [part for value in user_inputs if value for part in _parts(value)]
    if zxcvbn(password[:CHECKED_CHARACTERS], user_inputs=inputs)["score"] < MIN_SCORE:
        return str(gettext(TOO_COMMON))
    return None


def require_acceptable_password(password: str, user_inputs: Iterable[str] = ()) -> None:
    """Raise ValidationError (field ``password``) if :func:`password_problem` finds one."""
    problem = password_problem(password, user_inputs)
    if problem is not None:
        raise ValidationError(problem, code="weak_password",
                              details={"field": "password", "min_length": MIN_PASSWORD_LENGTH})


def _parts(value: str) -> list[str]:
    """An e-mail or name and its pieces ("anna.berg@ale.se" → anna.berg, anna, berg, ale.se ...)."""
    lowered = value.strip().lower()
    pieces = {lowered}
    for chunk in lowered.replace("@", " ").replace(".", " ").replace("-", " ").replace("_", " ").split():
        pieces.add(chunk)
    return sorted(pieces)
