"""SCIM 2.0 provisioning: an identity provider (Okta, Entra ID, ...) pushes an organization's
people and groups to /scim/v2/ with the organization's bearer token. docs/scim.md."""
