"""The seeded indicator catalogue (DOMAIN.md): every indicator the regions' reports follow,
with the targets they use. A care provider edits them afterwards (patient-safety officers);
seeding only ever adds indicators that are missing, by code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class MethodSpec:
    code: str
    name: str
    valid_from: dt.date
    description: str = ""


@dataclass(frozen=True)
class Spec:
    code: str
    name: str
    kind: str  # proportion | rate | count | mean
    numerator_label: str
    denominator_label: str
    multiplier: int
    unit_label: str
    target_kind: str
    direction: str
    frequency: str
    target_value: Decimal | None = None
    target_low: Decimal | None = None
    target_high: Decimal | None = None
    rolling_months: int = 0
    source: str = ""
    description: str = ""
    methods: tuple[MethodSpec, ...] = field(default_factory=tuple)


BHK_STEPS = (
    "Handdesinfektion före patientnära arbete",
    "Handdesinfektion efter patientnära arbete",
    "Korrekt användning av handskar",
    "Korrekt användning av engångsförkläde eller skyddsrock",
    "Arbetsdräkt med kort ärm",
    "Fria underarmar (inga ringar, armband eller klocka)",
    "Korta naglar utan konstgjorda naglar eller nagellack",
    "Långt hår uppsatt",
)

PPM = MethodSpec("ppm", "Punktprevalensmätning (SKR:s metod)", dt.date(2010, 1, 1))


def _d(value: str) -> Decimal:
    return Decimal(value)


DEFINITIONS: tuple[Spec, ...] = (
    Spec(
        "BHK",
        "Följsamhet till basala hygienrutiner och klädregler (alla åtta steg)",
        "proportion",
        "Observationer där alla åtta steg följdes",
        "Observationer",
        100,
        "%",
        "at_least",
        "higher",
        "half_year",
        target_value=_d("90"),
        source="Punktprevalensmätning av basala hygienrutiner och klädregler (PPM-BHK)",
        description="Andel observerade vårdtillfällen där personalen följde alla åtta steg.",
        methods=(PPM,),
    ),
    *(
        Spec(
            f"BHK-{number}",
            f"BHK steg {number}: {step}",
            "proportion",
            "Observationer där steget följdes",
            "Observationer",
            100,
            "%",
            "at_least",
            "higher",
            "half_year",
            target_value=_d("90"),
            source="PPM-BHK",
            methods=(PPM,),
        )
        for number, step in enumerate(BHK_STEPS, start=1)
    ),
    Spec(
        "VRI",
        "Vårdrelaterade infektioner",
        "proportion",
        "Patienter med vårdrelaterad infektion",
        "Inneliggande patienter",
        100,
        "%",
        "below",
        "lower",
        "quarter",
        target_value=_d("5"),
        source="Punktprevalensmätning (PPM-VRI), från 2024 Infektionsverktyget",
        methods=(
            MethodSpec("skr-ppm", "SKR:s punktprevalensmätning (PPM-VRI)", dt.date(2010, 1, 1)),
            MethodSpec(
                "ecdc-pps",
                "Infektionsverktyget / ECDC PPS",
                dt.date(2024, 1, 1),
                "SKR:s nationella databas stängde 1 januari 2024.",
            ),
        ),
    ),
    Spec(
        "TRYCK-14",
        "Trycksår kategori 1–4, slutenvård",
        "proportion",
        "Patienter med trycksår kategori 1–4",
        "Undersökta patienter",
        100,
        "%",
        "below",
        "lower",
        "point",
        target_value=_d("10"),
        source="Punktprevalensmätning av trycksår",
        methods=(
            PPM,
            MethodSpec("kontinuerlig", "Kontinuerlig registrering i journalen", dt.date(2024, 1, 1)),
        ),
    ),
    Spec(
        "TRYCK-24",
        "Trycksår kategori 2–4, slutenvård",
        "proportion",
        "Patienter med trycksår kategori 2–4",
        "Undersökta patienter",
        100,
        "%",
        "below",
        "lower",
        "point",
        target_value=_d("3"),
        source="Punktprevalensmätning av trycksår",
        methods=(
            PPM,
            MethodSpec("kontinuerlig", "Kontinuerlig registrering i journalen", dt.date(2024, 1, 1)),
        ),
    ),
    Spec(
        "MJG",
        "Andel vårdtillfällen med vårdskada (markörbaserad journalgranskning)",
        "proportion",
        "Granskade vårdtillfällen med vårdskada",
        "Granskade vårdtillfällen",
        100,
        "%",
        "at_most",
        "lower",
        "month",
        target_value=_d("4.5"),
        rolling_months=12,
        source="Markörbaserad journalgranskning (MJG), månatligt stickprov",
        description="Rullande tolv månader: varje värde omfattar de tolv månader som slutar med perioden.",
    ),
    Spec(
        "MJG-VRI",
        "Vårdrelaterade infektioner funna vid markörbaserad journalgranskning",
        "proportion",
        "Granskade vårdtillfällen med VRI",
        "Granskade vårdtillfällen",
        100,
        "%",
        "at_most",
        "lower",
        "month",
        target_value=_d("3.1"),
        rolling_months=12,
        source="Markörbaserad journalgranskning (MJG)",
    ),
    Spec(
        "KAD",
        "Följsamhet till riktlinje för urinvägskateter",
        "proportion",
        "Katetrar enligt riktlinjen",
        "Granskade katetrar",
        100,
        "%",
        "at_least",
        "higher",
        "quarter",
        target_value=_d("100"),
    ),
    Spec(
        "INFART",
        "Följsamhet till riktlinjer för infarter (PVK, CVK, SVP)",
        "proportion",
        "Infarter enligt riktlinjen",
        "Granskade infarter",
        100,
        "%",
        "at_least",
        "higher",
        "quarter",
        target_value=_d("100"),
        description="Under 85 % kräver genomgång av rutinerna.",
    ),
    Spec(
        "LMG75",
        "Andel över 75 år med minst fem läkemedel som fått läkemedelsgenomgång",
        "proportion",
        "Patienter med läkemedelsgenomgång",
        "Patienter över 75 år med minst fem läkemedel",
        100,
        "%",
        "at_least",
        "higher",
        "quarter",
        target_value=_d("60"),
    ),
    Spec(
        "UTLOK",
        "Utlokaliserade patienter per 100 disponibla vårdplatser",
        "rate",
        # Counted in whole days, so that months and units add up: the patients placed outside
        # their ward per day, summed over the days, over the beds times the days. The ratio is
        # the daily mean per 100 beds, as the regions report it.
        "Vårddygn för utlokaliserade patienter",
        "Disponibla vårdplatsdygn",
        100,
        "per 100 vårdplatser",
        "decrease",
        "lower",
        "month",
    ),
    Spec(
        "OVERBEL",
        "Överbeläggningar per 100 disponibla vårdplatser",
        "rate",
        "Överbeläggningsdygn",
        "Disponibla vårdplatsdygn",
        100,
        "per 100 vårdplatser",
        "decrease",
        "lower",
        "month",
    ),
    Spec(
        "BELAGG",
        "Beläggningsgrad",
        "proportion",
        "Belagda vårdplatsdygn",
        "Disponibla vårdplatsdygn",
        100,
        "%",
        "range",
        "none",
        "month",
        target_low=_d("85"),
        target_high=_d("90"),
    ),
    Spec(
        "ANTIB",
        "Antibiotikarecept per 1 000 invånare",
        "rate",
        "Uthämtade antibiotikarecept",
        "Invånare",
        1000,
        "per 1 000 invånare",
        "at_most",
        "lower",
        "year",
        target_value=_d("250"),
        source="Läkemedelsstatistik (Strama)",
    ),
    Spec(
        "PN-SVAR",
        "Patientnämndens ärenden besvarade inom angiven tid",
        "proportion",
        "Ärenden besvarade i tid",
        "Ärenden",
        100,
        "%",
        "at_least",
        "higher",
        "year",
        target_value=_d("90"),
        source="Patientnämnden",
    ),
    Spec(
        "HSE",
        "Hållbart säkerhetsengagemang (HSE), index 1–5",
        "mean",
        "Summa av svarens index",
        "Antal svar",
        1,
        "index",
        "at_least",
        "higher",
        "half_year",
        target_value=_d("4.01"),
        source="Medarbetarenkät, elva frågor",
    ),
)


def seed_definitions(specs, IndicatorDefinition, MethodVersion) -> int:  # noqa: N803 (model classes)
    """Create the indicators of `specs` that do not exist yet (by code), with their method
    versions. Takes the model classes so that a data migration can pass its historical ones."""
    created = 0
    for sort, spec in enumerate(specs):
        indicator, new = IndicatorDefinition.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "description": spec.description,
                "kind": spec.kind,
                "numerator_label": spec.numerator_label,
                "denominator_label": spec.denominator_label,
                "multiplier": Decimal(spec.multiplier),
                "unit_label": spec.unit_label,
                "target_kind": spec.target_kind,
                "target_value": spec.target_value,
                "target_low": spec.target_low,
                "target_high": spec.target_high,
                "direction": spec.direction,
                "frequency": spec.frequency,
                "rolling_months": spec.rolling_months,
                "source": spec.source,
                "sort": sort,
            },
        )
        created += new
        for method in spec.methods:
            MethodVersion.objects.get_or_create(
                indicator=indicator,
                code=method.code,
                defaults={"name": method.name, "valid_from": method.valid_from, "description": method.description},
            )
    return created
