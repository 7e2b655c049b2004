"""Typed reads of environment variables, so settings.py stays declarative.

A value that cannot be read stops the start with ImproperlyConfigured naming the variable: a typo such as
DEBUG=flase must not quietly mean False (or HTTPS=ture quietly turn secure cookies off).
"""

import os

from django.core.exceptions import ImproperlyConfigured

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a yes/no value: use one of {', '.join(sorted(TRUE | FALSE))} (or leave it unset)"
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={value!r} is below {minimum}, the least it may be")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int_list(name: str, default: list[int]) -> list[int]:
    items = env_list(name, [])
    if not items:
        return default
    try:
        values = [int(item) for item in items]
    except ValueError:
        raise ImproperlyConfigured(f"{name}={os.environ.get(name)!r} is not a list of whole numbers") from None
    if any(value < 0 for value in values):
        raise ImproperlyConfigured(f"{name}={os.environ.get(name)!r} has a negative number")
    return values


def env_networks(name: str, default: list[str]) -> list[str]:
    """A comma-separated list of IP networks in CIDR form (10.0.0.0/8, 2001:db8::/32)."""
    import ipaddress

    items = env_list(name, default)
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {item!r} is not an IP network such as 10.0.0.0/8") from None
    return items
