"""Query-string schemas built from the core's filter forms, so a filter is described once.

The schema gives each parameter its type (the OpenAPI document shows integers, dates and the allowed values);
the form itself then validates bounds, choices and cross-field rules, and its Chinese messages are the answer."""

from __future__ import annotations

import datetime
from typing import Any, TypeVar

from django import forms
from ninja import Schema
from pydantic import Field, create_model

from core.errors import InvalidInput

F = TypeVar("F", bound=forms.Form)


def _parameter(field: forms.Field) -> tuple[Any, Any]:
    description = str(field.label or "")
    if isinstance(field, forms.IntegerField):
        # Bounds are documented but left to the form, whose message names the field in Chinese.
        bounds: dict[str, Any] = {"minimum": field.min_value, "maximum": field.max_value}
        return int | None, Field(None, description=description, json_schema_extra=bounds)
    if isinstance(field, forms.DateField):
        return datetime.date | None, Field(None, description=description)
    if isinstance(field, forms.ChoiceField):
        values = [str(value) for value, _ in list(field.choices) if value]  # type: ignore[arg-type]
        return str, Field("", description=description, json_schema_extra={"enum": ["", *values]})
    return str, Field("", description=description)


def query_schema(name: str, form: type[forms.Form]) -> type[Schema]:
    """A ninja Schema with one optional parameter per form field, same names; subclass it to add more."""
    parameters = {field_name: _parameter(field) for field_name, field in form.base_fields.items()}
    return create_model(name, __base__=Schema, **parameters)  # type: ignore[call-overload, no-any-return]


def validated_form(form: type[F], query: Schema) -> F:
    """The form bound to the query's filter values; its errors raise InvalidInput (400) naming each field."""
    data = {name: value for name, value in query.dict().items() if name in form.base_fields and value is not None}
    bound = form(data=data)
    if not bound.is_valid():
        errors: dict[str, object] = {field: str(messages[0]) for field, messages in bound.errors.items()}
        raise InvalidInput(str(next(iter(errors.values()))), errors=errors)
    return bound
