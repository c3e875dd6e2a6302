from django.urls import path

from teams.scim import api, pages

urlpatterns = [
    path("org/scim/", pages.scim_settings, name="scim_settings"),
    path("scim/v2/Users", api.users, name="scim_users"),
    path("scim/v2/Users/<str:scim_id>", api.user, name="scim_user"),
    path("scim/v2/Groups", api.groups, name="scim_groups"),
    path("scim/v2/Groups/<str:scim_id>", api.group, name="scim_group"),
    path("scim/v2/ServiceProviderConfig", api.service_provider_config, name="scim_service_provider_config"),
    path("scim/v2/ResourceTypes", api.resource_types, name="scim_resource_types"),
    path("scim/v2/ResourceTypes/<str:scim_id>", api.resource_type, name="scim_resource_type"),
    path("scim/v2/Schemas", api.schemas, name="scim_schemas"),
    path("scim/v2/Schemas/<str:scim_id>", api.schema, name="scim_schema"),
]
