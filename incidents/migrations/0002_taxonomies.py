"""Seed the default taxonomies from DOMAIN.md. Administrators edit them in the admin."""

from django.db import migrations

CARE = "care"
WORK = "work_environment"

# (code, name, case type, children as (code, name))
CATEGORIES = [
    ("behandling", "Behandling", CARE, [
        ("lakemedel-ordination", "Läkemedel – ordination"),
        ("lakemedel-iordningstallande", "Läkemedel – iordningställande"),
        ("lakemedel-administrering", "Läkemedel – administrering"),
        ("lakemedel-forvaring", "Läkemedel – förvaring och narkotikakontroll"),
        ("lakemedel-uppfoljning", "Läkemedel – uppföljning"),
        ("infart", "Infart/PVK/CVK"),
        ("operation", "Operation/ingrepp"),
        ("nutrition", "Nutrition"),
    ]),
    ("diagnostik", "Diagnostik", CARE, [
        ("fordrojd-diagnos", "Fördröjd eller utebliven diagnos"),
        ("provtagning", "Provtagning"),
        ("provsvar", "Provsvar/vidimering"),
        ("rontgen", "Röntgen"),
    ]),
    ("vard-omvardnad", "Vård och omvårdnad", CARE, [
        ("trycksar", "Trycksår"),
        ("fall", "Fall"),
        ("vri", "Vårdrelaterad infektion"),
        ("blasoverfyllnad", "Blåsöverfyllnad/urinkateter"),
        ("overvakning", "Övervakning"),
    ]),
    ("obevakad-handelse", "Obevakad/orelaterad händelse", CARE, [
        ("fall-utan-vittne", "Fall utan vittne"),
    ]),
    ("kommunikation", "Kommunikation och informationsöverföring", CARE, [
        ("remiss", "Remiss"),
        ("vardovergang", "Vårdövergång"),
        ("utskrivning", "Utskrivning"),
        ("lakemedelslista", "Läkemedelslista"),
    ]),
    ("mtp-it", "Medicinteknisk produkt och IT", CARE, [
        ("utrustning", "Utrustning"),
        ("journalsystem", "Journalsystem"),
        ("driftstorning", "Driftstörning"),
    ]),
    ("organisation", "Organisation och bemanning", CARE, [
        ("overbelaggning", "Överbeläggning"),
        ("utlokalisering", "Utlokalisering"),
        ("kompetens", "Kompetens"),
    ]),
    ("vardhygien", "Vårdhygien", CARE, []),
    ("suicid", "Suicid/självskada", CARE, []),
    ("hot-vald-vard", "Hot och våld", CARE, []),
    ("stickskada-vard", "Stickskada", CARE, []),
    ("personuppgiftsincident", "Personuppgiftsincident", CARE, []),
    ("ovrigt", "Övrigt", CARE, []),
    ("am-hot-vald", "Hot och våld", WORK, []),
    ("am-stickskada", "Stickskada", WORK, []),
    ("am-belastning", "Belastning", WORK, []),
    ("am-miljoutslapp", "Miljöutsläpp", WORK, []),
    ("am-ovrigt", "Övrigt", WORK, []),
]

CAUSE_AREAS = [
    ("kommunikation", "Kommunikation och information"),
    ("kunskap", "Kunskap och kompetens"),
    ("teknik", "Teknik, utrustning och apparatur"),
    ("procedurer", "Procedurer, rutiner och riktlinjer"),
    ("organisation", "Organisation"),
    ("omgivning", "Omgivning och arbetsmiljö"),
    ("patient", "Patientrelaterade faktorer"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("incidents", "Category")
    CauseArea = apps.get_model("incidents", "CauseArea")
    ProviderSettings = apps.get_model("incidents", "ProviderSettings")
    for sort, (code, name, case_type, children) in enumerate(CATEGORIES):
        parent, _ = Category.objects.get_or_create(
            code=code, defaults={"name": name, "case_type": case_type, "sort": sort}
        )
        for child_sort, (child_code, child_name) in enumerate(children):
            Category.objects.get_or_create(
                code=child_code,
                defaults={"name": child_name, "case_type": case_type, "sort": child_sort, "parent": parent},
            )
    for sort, (code, name) in enumerate(CAUSE_AREAS):
        CauseArea.objects.get_or_create(code=code, defaults={"name": name, "sort": sort})
    if not ProviderSettings.objects.filter(care_provider__isnull=True).exists():
        ProviderSettings.objects.create(
            care_provider=None,
            probability_labels=["Mycket liten", "Liten", "Stor", "Mycket stor"],
            consequence_labels=["Mindre", "Måttlig", "Betydande", "Katastrofal"],
            risk_levels=[[1, "Låg"], [4, "Måttlig"], [8, "Hög"], [12, "Mycket hög"]],
        )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
