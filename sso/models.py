"""What the 统一身份认证 sign-in keeps: its refused attempts, counted per address apart from password failures."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class SSOFailure(models.Model):
    """A sign-in the school's server or roster refused (a ticket or code it did not vouch for, an identity not on
    the roster), from a session that had started the login. Counted per address against
    SSO_FAILURE_LIMIT_PER_ADDRESS; never against the password logins' budget (sso/throttle.py)."""

    address = models.CharField(max_length=45)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["address", "at"], name="ssofailure_address_at")]
