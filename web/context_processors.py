from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, object]:
    # An error page for a request refused before the auth middleware ran has no user.
    user = getattr(request, "user", None)
    return {"role": getattr(user, "role", "") if user is not None and user.is_authenticated else ""}
