from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, object]:
    user = request.user
    return {"role": getattr(user, "role", "") if user.is_authenticated else ""}
