"""Drop the trigram index on the description (issue 14).

Text search finds compound words through the lexicon of the incidents' words
(`incidents.search`, migration 0012) and the full-text index; nothing reads the trigram index
on the description any more, and it cost 143 MB and a slower insert at a million incidents.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0012_search_words'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='incident',
            name='incident_description_trgm',
        ),
    ]
