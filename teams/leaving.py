"""Announce people leaving, or made leaders of their unit, whatever path the change took.

Deletes are announced by Membership itself (`Membership.delete`, and its
queryset's `delete`, which the admin's "delete selected" uses), once for all
the rows, so a bulk delete stays one DELETE. Moves to another unit and
deactivations are caught here from Django's model signals, so the admin and
any `save()` announce them. A queryset `update()` sends nothing: surveys
still reads membership and the account at use
(surveys.selectors.invitee_is_member), so such a change closes the link too,
only without the reason.
"""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from teams.models import Membership, User
from teams.signals import account_deactivated, members_made_leaders, memberships_ended


def _touches(update_fields, *names: str) -> bool:
    return update_fields is None or any(name in update_fields for name in names)


@receiver(pre_save, sender=Membership, dispatch_uid="teams.membership_moving")
def _membership_unit_before(sender, instance: Membership, raw=False, update_fields=None, **kwargs) -> None:
    instance._unit_before = instance._role_before = None
    if raw or instance.pk is None or not _touches(update_fields, "unit", "unit_id", "role"):
        return
    stored = Membership.objects.filter(pk=instance.pk).values_list("unit_id", "role").first()
    if stored is not None:
        instance._unit_before, instance._role_before = stored


@receiver(post_save, sender=Membership, dispatch_uid="teams.membership_moved")
def _membership_moved(sender, instance: Membership, **kwargs) -> None:
    before, role_before = getattr(instance, "_unit_before", None), getattr(instance, "_role_before", None)
    instance._unit_before = instance._role_before = None
    if before is not None and before != instance.unit_id:
        memberships_ended.send(sender=Membership, memberships=[(instance.user_id, before)], at=timezone.now())
    elif role_before == Membership.Role.MEMBER and instance.role == Membership.Role.LEADER:
        members_made_leaders.send(
            sender=Membership, memberships=[(instance.user_id, instance.unit_id)], at=timezone.now()
        )


@receiver(pre_save, sender=User, dispatch_uid="teams.user_deactivating")
def _user_deactivating(sender, instance: User, raw=False, update_fields=None, **kwargs) -> None:
    # Only a save that stores is_active=False asks the database, so logins cost nothing more.
    instance._deactivating = (
        not raw
        and instance.pk is not None
        and not instance.is_active
        and _touches(update_fields, "is_active")
        and User.objects.filter(pk=instance.pk, is_active=True).exists()
    )


@receiver(post_save, sender=User, dispatch_uid="teams.user_deactivated")
def _user_deactivated(sender, instance: User, **kwargs) -> None:
    if getattr(instance, "_deactivating", False):
        instance._deactivating = False
        account_deactivated.send(sender=User, user_id=instance.pk, at=timezone.now())
