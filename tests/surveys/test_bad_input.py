"""Bad input at the pulse link answers 4xx with a page that says why, and saves nothing."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from surveys.models import Response

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


def url(invitation) -> str:
    return reverse("pulse_answer", args=[invitation.token])


def form_data(**overrides) -> dict:
    data = {
        "purpose_text": "We help shops take card payments without fuss.",
        "fit_text": "Everything else in Product builds on what we capture.",
        "understands_purpose": "4",
        "sees_contribution": "5",
        "shapes_direction": "3",
        "question_for_leader": "",
        "revision": "0",
    }
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def during_the_round(time_machine, t0):
    time_machine.move_to(t0 + timedelta(hours=1))


def test_a_revision_on_a_link_never_answered_is_a_409_that_keeps_the_form(client, invitation):
    """A form naming revision 3 of an answer that was never saved: refused, text kept, clear message."""
    page = client.post(url(invitation), form_data(revision="3", purpose_text="Kept as typed, every word."))
    html = page.content.decode()
    assert page.status_code == 409
    assert "Kept as typed, every word." in html
    assert "there is no saved answer to change" in html
    assert 'name="revision" value="0"' in html  # sending it again saves it as the first answer
    assert not Response.objects.exists()
    again = client.post(url(invitation), form_data(purpose_text="Kept as typed, every word."))
    assert again.status_code == 302 and Response.objects.get().revision == 1


def test_a_nul_byte_in_the_token_is_a_400_not_a_database_error(client, invitation):
    page = client.get("/p/%00/")
    assert page.status_code == 400
    assert "NUL byte" in page.content.decode()
    assert client.get(f"/p/{invitation.token}%00/").status_code == 400


def test_a_nul_byte_in_a_field_is_refused_and_nothing_is_saved(client, invitation):
    for data in (form_data(purpose_text="Fine\x00then"), {**form_data(), "extra\x00": "x"}):
        assert client.post(url(invitation), data).status_code == 400  # multipart
        assert client.post(url(invitation), urlencode(data), content_type=FORM).status_code == 400
    assert client.get(url(invitation), {"edit": "\x00"}).status_code == 400
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"purpose_text=caf%E9",  # latin-1 escaped
        b"purpose_text=%ED%A0%80",  # a lone surrogate, as UTF-8 would spell it
        b"purpose_text=caf\xe9",  # a raw latin-1 byte
        b"purpose_%FF=x",  # in a name
    ],
)
def test_a_form_body_that_is_not_utf8_is_a_400_not_mojibake(client, invitation, body):
    rest = urlencode({k: v for k, v in form_data().items() if k != "purpose_text"}).encode()
    page = client.post(url(invitation), body + b"&" + rest, content_type=FORM)
    assert page.status_code == 400
    assert "not sent as UTF-8" in page.content.decode()
    assert not Response.objects.exists()


def test_a_multipart_body_that_is_not_utf8_is_a_400(client, invitation):
    boundary = "BoUnDaRy"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in form_data(purpose_text="PLACEHOLDER").items()
    ]
    body = b"".join(parts).replace(b"PLACEHOLDER", b"caf\xe9 \xff") + f"--{boundary}--\r\n".encode()
    page = client.post(url(invitation), body, content_type=f"multipart/form-data; boundary={boundary}")
    assert page.status_code == 400
    assert not Response.objects.exists()


def test_a_file_next_to_valid_fields_is_refused(client, invitation):
    """A small file is refused as unexpected; a 10 MB one as too large, before it is parsed."""
    small = SimpleUploadedFile("note.txt", b"hello", content_type="text/plain")
    page = client.post(url(invitation), {**form_data(), "attachment": small})
    assert page.status_code == 400 and "takes no files" in page.content.decode()
    big = SimpleUploadedFile("big.bin", b"\0" * (10 * 1024 * 1024), content_type="application/octet-stream")
    page = client.post(url(invitation), {**form_data(), "attachment": big})
    assert page.status_code == 413 and "larger than this site accepts" in page.content.decode()
    assert not Response.objects.exists()


def test_a_valid_answer_still_goes_through_both_encodings(client, invitation):
    data = form_data(purpose_text="Ünïcode welcome — 支払い 💳")
    assert client.post(url(invitation), urlencode(data), content_type=FORM).status_code == 302
    assert Response.objects.get().purpose_text == "Ünïcode welcome — 支払い 💳"
    data = form_data(purpose_text="Changed, with multipart é", revision="1")
    assert client.post(url(invitation), data).status_code == 302
    assert Response.objects.get().purpose_text == "Changed, with multipart é"
