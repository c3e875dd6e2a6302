"""The app's door to the alignment engine: the encoder chosen by settings."""

from django.conf import settings

from purpose.alignment import Encoder, get_encoder


def app_encoder() -> Encoder:
    """The configured encoder, loaded once per process (the engine caches it)."""
    return get_encoder(
        model_dir=settings.ALIGNMENT_MODEL_DIR, allow_download=settings.ALIGNMENT_ALLOW_DOWNLOAD
    )
