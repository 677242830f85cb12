"""What a finding may hold: the one definition of its allowed values and limits.

The API schema (``fieldapp/api/schemas.py``), the service (``fieldapp/services/findings.py``) and the
database CHECK constraints (``fieldapp/models.py`` and the migrations) are all derived from here, so a
value the phone may send is a value the service and the database accept, and nothing else is.
"""
from __future__ import annotations

from collections.abc import Sequence

POLARITIES: tuple[str, ...] = ("unsafe", "safe")
POSITION_SOURCES: tuple[str, ...] = ("gps", "map", "stop")
LIGHTING_CHECKS: tuple[str, ...] = ("out", "weak", "flickering", "glaring", "ok")
# Only findings of this category carry a lighting check; others store none.
LIGHTING_CATEGORY = "lighting"

# Felt safety is stored with the scale it was asked on, one column per scale, so an answer never changes
# meaning. Scale 3 (the first field form): "How unsafe does it feel?" 1 very, 2 somewhat, 3 a little.
# Scale 4 (words, like the NEWS crime-safety items): 1 very unsafe, 2 fairly unsafe, 3 fairly safe,
# 4 very safe. On both, 1 is the most unsafe answer. A finding holds at most one answer.
FELT_SAFETY_COLUMNS: dict[int, str] = {3: "felt_safety", 4: "felt_safety4"}
FELT_SAFETY_SCALES: tuple[int, ...] = tuple(FELT_SAFETY_COLUMNS)
FELT_SAFETY_SCALE = 4  # the scale the field form asks on now
LEGACY_FELT_SAFETY_SCALE = 3  # what an answer sent without a scale means (a phone with the old page cached)

NOTE_MAX_CHARS = 5000
CATEGORY_CODE_MAX_CHARS = 50
ACCURACY_MAX_M = 100_000.0
STOP_SEQ_MAX = 1000


def felt_safety_points(scale: int) -> tuple[int, ...]:
    """The answers allowed on ``scale`` (1 … scale)."""
    return tuple(range(1, scale + 1))


def felt_answer(values: Sequence[int | None]) -> tuple[int, int] | None:
    """(value, scale) from the felt-safety columns' values in ``FELT_SAFETY_COLUMNS`` order, or None."""
    for scale, value in zip(FELT_SAFETY_SCALES, values, strict=True):
        if value is not None:
            return value, scale
    return None


def felt_safety_scale_of(value: int | None, scale: int | None) -> int | None:
    """The scale an answer was given on: as sent, or the legacy scale for an answer sent without one."""
    if value is not None and scale is None:
        return LEGACY_FELT_SAFETY_SCALE
    return scale


def felt_safety_problem(value: int | None, scale: int | None) -> str | None:
    """Why (value, scale) is not a valid felt-safety answer, or None when it is (both empty is valid)."""
    if value is None:
        return None if scale is None else "felt_safety_scale needs a felt_safety answer."
    if scale not in FELT_SAFETY_SCALES:
        return f"felt_safety_scale must be one of {', '.join(map(str, FELT_SAFETY_SCALES))}."
    if value not in felt_safety_points(scale):
        return f"felt_safety must be 1 to {scale} on the {scale}-point scale."
    return None


def polarity_of(felt: tuple[int, int] | None, category_polarity: str) -> str:
    """Whether a finding is about an unsafe or a safe place: the 4-point answer says it (its upper half is
    safe); without one (or on the 3-point scale, asked only about unsafe places) the category does."""
    if felt is not None and felt[1] == FELT_SAFETY_SCALE:
        return "safe" if felt[0] > FELT_SAFETY_SCALE // 2 else "unsafe"
    return category_polarity


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def sql_in(column: str, values: tuple[str, ...], *, nullable: bool = False) -> str:
    """SQL for a CHECK that ``column`` holds one of ``values`` (or NULL when ``nullable``)."""
    check = f"{column} IN ({_quoted(values)})"
    return f"{column} IS NULL OR {check}" if nullable else check


def felt_safety_sql(scale: int) -> str:
    """SQL for the CHECK on the column of ``scale``: its points, and no answer on another scale beside it."""
    column = FELT_SAFETY_COLUMNS[scale]
    others = [c for s, c in FELT_SAFETY_COLUMNS.items() if s < scale]
    alone = "".join(f" AND {other} IS NULL" for other in others)
    return f"{column} IS NULL OR ({column} BETWEEN 1 AND {scale}{alone})"


def felt_safety_check_name(scale: int) -> str:
    return "ck_felt_safety_range" if scale == LEGACY_FELT_SAFETY_SCALE else f"ck_felt_safety{scale}_range"


# The CHECK constraints of the findings table: name → SQL (models.py and the migrations use these).
FINDING_CHECKS: dict[str, str] = {
    "ck_polarity_values": sql_in("polarity", POLARITIES),
    "ck_position_source_values": sql_in("position_source", POSITION_SOURCES),
    "ck_lighting_check_values": sql_in("lighting_check", LIGHTING_CHECKS, nullable=True),
    **{felt_safety_check_name(scale): felt_safety_sql(scale) for scale in FELT_SAFETY_SCALES},
}
