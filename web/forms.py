"""Django forms over the core's field descriptions (core.fields). A form's fields take what was typed; its clean()
hands the values to the core's validator, so each rule and its Chinese message naming the field live in the core
only, and the form reports them the Django way (form.errors, one entry per field)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django import forms

from core.errors import InvalidInput
from core.fields import PROFILE_FIELDS, TERMS_FIELDS, FieldSpec
from core.models import Employer
from core.services.terms import clean_profile, clean_terms


class CoreValidatedForm(forms.Form):
    specs: ClassVar[Mapping[str, FieldSpec]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.detail = ""  # the validator's summary ("有3项填写有误：…"), shown above the form
        for name, spec in self.specs.items():
            self.fields[name] = forms.CharField(
                label=spec.label,
                required=False,
                # A NUL character cannot be stored in PostgreSQL text; Django's own check, with our wording.
                error_messages={"null_characters_not_allowed": f"{spec.label}不能包含空字符"},
            )

    def clean(self) -> dict[str, Any]:
        # A field that was not sent is left out, so the validator applies its default (hidden 报到证 fields keep
        # the employer's values) rather than an empty value.
        data = {name: value for name, value in (super().clean() or {}).items() if name in self.data}
        try:
            return self.validate(data)
        except InvalidInput as exc:
            self.detail = exc.detail
            for name, message in (exc.errors or {"": exc.detail}).items():
                self.add_error(name if name in self.fields else None, str(message))
            return data

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        """The core's validator for this form; raises InvalidInput."""
        raise NotImplementedError

    def field_errors(self) -> dict[str, str]:
        """field → its message, as the portal's field renderers show it beside the field."""
        return {name: str(errors[0]) for name, errors in self.errors.items()}


class ProfileForm(CoreValidatedForm):
    """签约信息 (签约信息确认 and 网签信息维护)."""

    specs = PROFILE_FIELDS

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        return clean_profile(data)


class TermsForm(CoreValidatedForm):
    """The terms of an invitation (邀请函), starting from the employer's 签约信息."""

    specs = TERMS_FIELDS

    def __init__(self, employer: Employer, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.employer = employer

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        return clean_terms(self.employer, data)
