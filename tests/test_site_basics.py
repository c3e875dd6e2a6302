"""What every visitor meets before any page: the site's icon, and a plain page for a wrong address."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_favicon_ico_answers_with_the_sites_icon(client):
    """/favicon.ico, asked for by every browser on its first visit, is not a 404."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


@override_settings(DEBUG=True)
def test_a_wrong_address_in_development_gets_the_apps_page_not_the_url_patterns(client, member):
    """With DEBUG on (make run), an unknown address shows the product's 404, not Django's URL list."""
    client.force_login(member)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "We can't find that page" in text
    assert "URLconf" not in text and "admin/" not in text


@override_settings(DEBUG=True)
def test_a_page_that_answers_404_with_its_own_words_keeps_them(client):
    """A pulse link that opens nothing still says so in its own words with DEBUG on."""
    response = client.get("/p/not-a-real-token/")
    assert response.status_code == 404
    assert "This link doesn't open a pulse" in response.content.decode()
