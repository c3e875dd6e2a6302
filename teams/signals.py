"""What teams tells the layers above about people, without importing them.

Unlike the other apps' signals these are sent *inside* the transaction that
makes the change, and not robustly: a person who leaves must lose their open
pulse links in the same commit (a crash in between would leave a link open),
and an erase is all or nothing. A receiver that fails undoes the change.
"""

from django.dispatch import Signal

# People stopped being in units: memberships were deleted (one, or a queryset at once,
# the admin's included) or moved to another unit. Not sent when a membership goes with
# its unit, organization or account. `memberships`: [(user_id, unit_id), ...], `at`.
memberships_ended = Signal()
# Members were made leaders of the unit they were members of (a role change, not a move):
# leaders are not asked in their own unit's pulses. `memberships`: [(user_id, unit_id), ...], `at`.
members_made_leaders = Signal()
# An account was deactivated (is_active became False). `user_id`, `at`.
account_deactivated = Signal()
# Units or memberships of an organization were written in bulk, which sends no model signal
# (the import's bulk_create). `organization_id`.
units_changed = Signal()
# An organization's settings changed (teams.org_settings): `organization`, `changed`
# ({field: [before, after]}). Surveys moves its schedules' next slots to a new time zone.
organization_changed = Signal()
# Export of one person's data: each receiver returns a dict of JSON-ready sections
# about `user` (teams.person.person_export merges them).
person_data_requested = Signal()
# One person is being erased: each receiver deletes or unlinks what identifies `user`
# in its own tables. `user`, `label` (what the person is called from now on, "erased person #3").
person_erasing = Signal()
