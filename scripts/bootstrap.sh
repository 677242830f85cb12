#!/usr/bin/env bash
# Set up what fieldapp needs on Debian/Ubuntu, idempotently: apt packages (when root), a .venv built from
# a Python whose sqlite3 can load extensions (needed for SpatiaLite), and the Python dependencies.
# Usage: scripts/bootstrap.sh run|test
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-run}"
venv="${VENV:-.venv}"

apt_packages=(libsqlite3-mod-spatialite python3-venv python3-dev libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation)
if [ "$what" = test ]; then
  # gdal-bin: GDAL 3.6's ogrinfo and validate_gpkg.py (python3-gdal) check the GeoPackage export.
  apt_packages+=(postgresql-15 postgresql-15-postgis-3 chromium fonts-noto-color-emoji libvips42 imagemagick poppler-utils
                 gdal-bin python3-gdal)
fi

missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing system packages: ${missing[*]} — install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

can_load_extensions() {
  "$1" - <<'PY' 2>/dev/null
import sqlite3, sys
sys.exit(0 if sys.version_info >= (3, 11) and hasattr(sqlite3.Connection, "enable_load_extension") else 1)
PY
}

if [ ! -x "$venv/bin/python" ] || ! can_load_extensions "$venv/bin/python"; then
  python=""
  for candidate in "${FIELDAPP_PYTHON:-}" /usr/bin/python3 /usr/local/bin/python3 python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null && can_load_extensions "$candidate"; then python="$candidate"; break; fi
  done
  if [ -z "$python" ]; then
    echo "No Python ≥ 3.11 whose sqlite3 can load extensions was found (SpatiaLite needs it)." >&2
    echo "On Debian: apt-get install python3 python3-venv; or set FIELDAPP_PYTHON=/path/to/python3." >&2
    exit 1
  fi
  echo "Creating $venv with $python"
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi

# Python dependencies come from the hashed lock (requirements/*.txt, refreshed with `make lock`): exactly
# the versions CI tested, each file checked against its sha256. fieldapp itself is installed on top
# without resolving anything again.
lock="requirements/$what.txt"
stamp="$venv/.installed-$what"
if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --require-hashes -r "$lock"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
  touch "$stamp"
fi
