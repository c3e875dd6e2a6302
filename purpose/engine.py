"""The app's door to the alignment engine: the encoder chosen by settings."""

from django.conf import settings

from alignment import Encoder, get_encoder


def app_encoder() -> Encoder:
    """The configured encoder, loaded once per process (the engine caches it).

    Raises alignment.ModelNotFound when the model can't be loaded: the caller
    (a scoring task) fails and is retried; answers wait for the sweep.
    """
    return get_encoder(
        model_dir=settings.ALIGNMENT_MODEL_DIR,
        allow_download=settings.ALIGNMENT_ALLOW_DOWNLOAD,
        kind=settings.ALIGNMENT_ENCODER,
    )
