from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import migrations, models

import documents.models


def move_pdfs_to_storage(apps, schema_editor):
    """Every PDF kept in the database moves to the storage under its version's name."""
    AgreementDocument = apps.get_model("documents", "AgreementDocument")
    for document in AgreementDocument.objects.exclude(pdf=None).iterator(chunk_size=100):
        name = f"agreements/{document.agreement_id}/v{document.version}-{document.sha256[:16]}.pdf"
        document.file = default_storage.save(name, ContentFile(bytes(document.pdf)))
        document.save(update_fields=["file"])


def move_pdfs_back(apps, schema_editor):
    AgreementDocument = apps.get_model("documents", "AgreementDocument")
    for document in AgreementDocument.objects.exclude(file="").iterator(chunk_size=100):
        with default_storage.open(document.file.name, "rb") as f:
            document.pdf = f.read()
        document.save(update_fields=["pdf"])


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="agreementdocument",
            name="file",
            field=models.FileField(
                blank=True,
                editable=False,
                max_length=200,
                upload_to=documents.models.document_file_name,
                verbose_name="PDF文件",
            ),
        ),
        migrations.RunPython(move_pdfs_to_storage, move_pdfs_back),
    ]
