from django.db import migrations


class Migration(migrations.Migration):
    """Apart from 0002: on PostgreSQL a table with rows just updated cannot be altered in the same transaction."""

    dependencies = [
        ("documents", "0002_document_file_in_storage"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="agreementdocument",
            name="pdf",
        ),
    ]
