"""The situation picture (lägesbild) across all walks: map, hotspots, figures per party and year."""

from __future__ import annotations

from flask import jsonify, render_template, request, url_for
from flask_babel import get_locale, gettext
from werkzeug.wrappers import Response

from fieldapp import municipality
from fieldapp.errors import ValidationError
from fieldapp.exporters import plan as plan_export
from fieldapp.models import MEASURE_STATUSES
from fieldapp.services import situation
from fieldapp.services.situation import SituationFilter
from fieldapp.staff import bp
from fieldapp.staff.forms import SituationFilterForm
from fieldapp.staff.labels import measure_status_names, priority_names


def _filter_form() -> tuple[SituationFilterForm, SituationFilter, dict]:
    """The filter form from the query string, with its choices, and the filter it describes."""
    choices = situation.filter_choices()
    locale = str(get_locale())
    form = SituationFilterForm(request.args)
    everything = ("", gettext("All"))
    years = [(str(y), str(y)) for y in choices["years"]]
    form.year_from.choices = [everything, *years]
    form.year_to.choices = [everything, *years]
    form.area.choices = [everything, *((a, a) for a in choices["areas"])]
    form.category.choices = [everything, *((c.code, c.name(locale)) for c in choices["categories"])]
    form.polarity.choices = [everything, ("unsafe", gettext("Unsafe")), ("safe", gettext("Safe"))]
    statuses = measure_status_names()
    form.measure_status.choices = [everything, ("none", gettext("No measure yet")),
                                   *((s, statuses[s]) for s in MEASURE_STATUSES)]
    form.party.choices = [everything, *((str(p.id), p.name) for p in choices["parties"])]
    if request.args and not form.validate():
        raise ValidationError(gettext("The filter could not be read. Choose from the lists."))
    the_filter = SituationFilter(
        year_from=int(form.year_from.data) if form.year_from.data else None,
        year_to=int(form.year_to.data) if form.year_to.data else None,
        area=form.area.data or "",
        category=form.category.data or "",
        polarity=form.polarity.data or "",
        measure_status=form.measure_status.data or "",
        party_id=int(form.party.data) if form.party.data else None,
    )
    return form, the_filter, choices


@bp.get("/situation")
def situation_page() -> str:
    """The filter, the map and a place for the figures (fetched by the page, so the map comes first)."""
    form, the_filter, _choices = _filter_form()
    total, extent = situation.overview(the_filter)
    return render_template("staff/situation.html", form=form, total=total, extent=extent,
                           filtered=not the_filter.is_empty())


@bp.get("/situation/figures")
def situation_figures() -> str:
    """The situation picture's tables for the filter: recurring places, parties, overdue, years."""
    _form, the_filter, _choices = _filter_form()
    today = municipality.today()
    spots = situation.hotspots(the_filter)
    return render_template(
        "staff/_situation_figures.html",
        hotspots=spots,
        hotspot_points=[[h.lat, h.lon] for h in spots],
        hotspot_cell_m=situation.HOTSPOT_CELL_M,
        parties=situation.party_figures(the_filter, today),
        overdue=situation.overdue_measures(the_filter, today),
        by_year=situation.year_table(situation.categories_by_year(the_filter, str(get_locale()))),
        felt=situation.felt_safety_by_area(the_filter),
        status_names=measure_status_names(),
    )


def _bbox(the_filter: SituationFilter) -> tuple[float, float, float, float]:
    """The view's box from ``bbox=west,south,east,north``; without one, everything the filter leaves."""
    if "bbox" not in request.args:
        return situation.overview(the_filter)[1] or (-180.0, -90.0, 180.0, 90.0)
    try:
        west, south, east, north = (float(v) for v in request.args.get("bbox", "").split(","))
    except ValueError as err:
        raise ValidationError(gettext("bbox must be west,south,east,north in degrees.")) from err
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise ValidationError(gettext("bbox must be west,south,east,north in degrees."))
    return west, south, east, north


DEFAULT_ZOOM = 12  # a municipality on a laptop screen


@bp.get("/situation/clusters.json")
def situation_clusters() -> Response:
    """The map's findings for the view (bbox, zoom) as GeoJSON: a cluster per grid cell, or the finding."""
    _form, the_filter, _choices = _filter_form()
    zoom = request.args.get("zoom", DEFAULT_ZOOM, type=int)
    clusters = situation.map_clusters(the_filter, _bbox(the_filter), zoom)
    locale = str(get_locale())
    singles = situation.finding_summaries([c.finding_id for c in clusters if c.finding_id], locale)
    statuses = measure_status_names()
    features = []
    for cluster in clusters:
        properties: dict[str, object] = {"count": cluster.count, "unsafe": cluster.unsafe}
        single = singles.get(cluster.finding_id) if cluster.finding_id else None
        if single is not None:
            properties.update(
                category=single.category, polarity=single.polarity, walk=single.walk_title,
                status=statuses.get(single.measure_status, "") if single.measure_status else "",
                url=url_for("staff.finding", slug=single.walk_slug, finding_uuid=single.uuid),
            )
        features.append({"type": "Feature", "properties": properties,
                         "geometry": {"type": "Point", "coordinates": [cluster.lon, cluster.lat]}})
    return jsonify({"type": "FeatureCollection", "features": features})


@bp.get("/action-plan")
def action_plan() -> str:
    """Every open measure across walks, by responsible party, with deadline and age."""
    form, the_filter, _choices = _filter_form()
    return render_template("staff/action_plan.html", form=form, filtered=not the_filter.is_empty(),
                           plans=situation.action_plan(the_filter, municipality.today()),
                           status_names=measure_status_names(), priority_names=priority_names())


EXPORT_AUDIENCES = ("internal", "external")


@bp.get("/action-plan.<any(csv, xlsx):fmt>")
def action_plan_export(fmt: str) -> Response:
    """The action plan as a file; ``audience=external`` (default for sending to responsible parties) has no
    notes."""
    _form, the_filter, _choices = _filter_form()
    audience = request.args.get("audience", "external")
    if audience not in EXPORT_AUDIENCES:
        raise ValidationError(gettext("Choose the internal or the external version."))
    plans = situation.action_plan(the_filter, municipality.today())
    body = plan_export.plan_csv(plans, audience) if fmt == "csv" else plan_export.plan_xlsx(plans, audience)
    media = "text/csv; charset=utf-8" if fmt == "csv" else (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"{gettext('action-plan')}-{municipality.today().isoformat()}-{gettext(audience)}.{fmt}"
    return Response(body, mimetype=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
