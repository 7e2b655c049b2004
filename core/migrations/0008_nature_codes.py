"""单位性质 codes renumbered to the national 就业 data standard (core/codes/data/SOURCES.md): the table had 21 科研设计单位,
22 高等教育单位, 23 中初教育单位, 24 医疗卫生单位; the standard numbers them 20, 21, 22, 23. Stored codes move with
their meaning, in one statement per table so that 21→20 and 22→21 cannot run into each other."""

from django.db import migrations
from django.db.models import Case, Value, When

_NEW = {"21": "20", "22": "21", "23": "22", "24": "23"}
_OLD = {new: old for old, new in _NEW.items()}


def _renumber(apps, mapping, field_by_model):
    for model_name, field in field_by_model:
        model = apps.get_model("core", model_name)
        cases = [When(**{field: old}, then=Value(new)) for old, new in mapping.items()]
        model.objects.filter(**{f"{field}__in": list(mapping)}).update(**{field: Case(*cases)})


_FIELDS = (("Employer", "nature"), ("DestinationVersion", "unit_nature"))


def forward(apps, schema_editor):
    _renumber(apps, _NEW, _FIELDS)


def backward(apps, schema_editor):
    _renumber(apps, _OLD, _FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_export_jobs"),
    ]

    operations = [migrations.RunPython(forward, backward)]
