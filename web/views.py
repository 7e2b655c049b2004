from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import InvalidInput
from core.models import Role
from core.services.accounts import password_change as do_password_change
from web.request import AuthenticatedRequest

HOME_BY_ROLE: dict[str, str] = {
    Role.EMPLOYER: "employer:home",
    Role.STUDENT: "student:home",
    Role.COLLEGE_ADMIN: "school:home",
    Role.SCHOOL_ADMIN: "school:home",
}


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("web:login")
    target = HOME_BY_ROLE.get(str(getattr(request.user, "role", "")))
    if target is None:
        return redirect("admin:index")
    return redirect(target)


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


@login_required
def password_change(request: AuthenticatedRequest) -> HttpResponse:
    errors: dict[str, object] = {}
    if request.method == "POST":
        try:
            if request.POST.get("new_password") != request.POST.get("new_password2"):
                raise InvalidInput("两次输入的新密码不一致", errors={"new_password2": "两次输入的新密码不一致"})
            do_password_change(
                request.user,
                old_password=request.POST.get("old_password", ""),
                new_password=request.POST.get("new_password", ""),
            )
        except InvalidInput as exc:
            errors = exc.errors or {"form": exc.detail}
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改")
            return redirect("web:home")
    return render(request, "web/password_change.html", {"errors": errors})
