// The municipality's default map view for maps with nothing to show yet: <html data-map-centre="lat,lon"
// data-map-zoom>, written by base.html from fieldapp/municipality.py (configuration or the admin page).
export function defaultView() {
  const data = document.documentElement.dataset;
  const [lat, lon] = (data.mapCentre || "62,15").split(",").map(Number);
  return [[lat, lon], Number(data.mapZoom || 5)];
}
