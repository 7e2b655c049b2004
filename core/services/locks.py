"""解除锁定: a school admin ends the login throttle's refusal of one of the school's accounts (core.throttle).

The account's counted failures of logging in and activating are cleared (from every address) and the lifting is
kept as a LockLift (who, when, how many failures from which addresses), shown on the school's 登录失败记录.
The school's accounts are its students and admins and the HR accounts of the employers it verified; any other
account is NotFound.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.errors import NotFound
from core.models import LockLift, LoginFailure, School, User
from core.selectors.accounts import accounts_of_school
from core.throttle import stored_name


def lock_lift(school: School, user_id: int, *, acting_user: User) -> LockLift:
    user = accounts_of_school(school.pk).filter(pk=user_id).first()
    if user is None:
        raise NotFound("账号不存在或不属于本校")
    return _lift(user, acting_user)


def lock_lift_by_operator(username: str) -> LockLift:
    """`manage.py unlock_account`: the operator lifts any account's lock (an employer no school verified yet, a
    province admin); recorded without an acting admin."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"没有用户名为 {username[:150]} 的账号")
    return _lift(user, None)


def _lift(user: User, acting_user: User | None) -> LockLift:
    with transaction.atomic():
        failures = LoginFailure.objects.select_for_update().filter(
            username=stored_name(user.username), kind__in=[LoginFailure.Kind.LOGIN, LoginFailure.Kind.ACTIVATION]
        )
        addresses = list(dict.fromkeys(failures.values_list("address", flat=True)))
        count = len(failures)
        failures.delete()
        return LockLift.objects.create(
            user=user, lifted_by=acting_user, at=timezone.now(), failures=count, addresses=", ".join(addresses)[:500]
        )
