from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator


class PeopleValidator(OAuth2Validator):
    """Puts each person's email, and whether it is verified, in the ID token (scope email).

    A person may also carry `token`: claims that replace the ID token's own before it is signed
    (another issuer, another audience, an expiry in the past), as a misconfigured or hostile
    provider would send, so the tests see them refused."""

    def get_additional_claims(self, request):
        person = settings.PROVIDER_PEOPLE.get(request.user.username, {})
        return {key: person[key] for key in ("email", "email_verified", "name") if key in person}

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        claims.update(settings.PROVIDER_PEOPLE.get(request.user.username, {}).get("token", {}))
        return claims, expiration_time
