"""Publishing a protocol the way staff do: open the confirmation page, confirm the version it offers."""
from __future__ import annotations

import re

from flask.testing import FlaskClient


def publish(client: FlaskClient, slug: str, lang: str = "en") -> int:
    """Publish the walk's next protocol version through the confirmation page; its number."""
    page = client.get(f"/staff/walks/{slug}/protocol/publish?lang={lang}")
    assert page.status_code == 200, page.status_code
    number = int(re.search(r'name="version" value="(\d+)"', page.text).group(1))
    response = client.post(f"/staff/walks/{slug}/protocol/publish?lang={lang}", data={"version": number})
    assert response.status_code == 302, (response.status_code, response.text[:300])
    return number
