"""Sweden's care providers as an org tree, for `generate_load --national`.

The 21 regions by their real names, each sized by its population (thousands of inhabitants,
rounded, 2024): its hospitals (real names, the first the largest) with clinics and wards, its
own vårdcentraler under "Nära vård", and — as care providers of their own, as the law has
them — its municipalities (hemsjukvård, särskilda boenden, korttidsvård under "Vård och
omsorg") and the private vårdcentraler it contracts. Region Gotland is also its own
municipality, so its municipal care sits inside the region. About 8 000 units in all.

The sizes are rough on purpose (wards ≈ population / 10 000, one vårdcentral per 9 000
inhabitants, one särskilt boende per 8 000, municipalities sized along a Zipf curve within
their region): what matters for the benchmarks is that Stockholm is forty times Gotland and
that a municipality's home care reports as many falls as a hospital ward.

Units that exist already (seed_demo's Region Västmanland, Västerås stad and Capio Vårdcentral
Vallby) are found by parent and name and grown, not duplicated: a clinic is looked for
anywhere below its hospital, since the demo puts its clinics below an "område".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

NULL = "\\N"  # COPY's text format for NULL


def _names(text: str) -> list[str]:
    """The names in "a, b, c" (long lists of names are written so, to stay readable)."""
    return text.split(", ") if text else []


# (name, population in thousands, hospitals (largest first), municipalities (largest first)),
# the lists written as "a, b, c" to keep them short.
_REGIONS = [
    (
        "Region Stockholm",
        2450,
        (
            "Karolinska Universitetssjukhuset Solna, Karolinska Universitetssjukhuset Huddinge, Södersjukhuset, "
            "Danderyds sjukhus, S:t Görans sjukhus, Södertälje sjukhus, Norrtälje sjukhus"
        ),
        (
            "Stockholm, Huddinge, Nacka, Botkyrka, Haninge, Järfälla, Solna, Södertälje, Sollentuna, Täby, "
            "Sundbyberg, Lidingö, Norrtälje, Tyresö, Upplands Väsby, Österåker, Värmdö, Sigtuna, Vallentuna, "
            "Ekerö, Danderyd, Upplands-Bro, Nynäshamn, Salem, Vaxholm, Nykvarn"
        ),
    ),
    (
        "Västra Götalandsregionen",
        1760,
        (
            "Sahlgrenska Universitetssjukhuset, Södra Älvsborgs Sjukhus, Skaraborgs Sjukhus, NU-sjukvården, "
            "Alingsås lasarett, Kungälvs sjukhus, Frölunda specialistsjukhus"
        ),
        (
            "Göteborg, Borås, Mölndal, Trollhättan, Uddevalla, Skövde, Lidköping, Kungälv, Alingsås, Lerum, "
            "Partille, Vänersborg, Härryda, Stenungsund, Falköping, Ale, Mariestad, Ulricehamn, Mark, Tjörn, "
            "Orust, Lysekil, Strömstad, Tanum, Sotenäs, Munkedal, Färgelanda, Dals-Ed, Bengtsfors, Åmål, "
            "Mellerud, Vårgårda, Herrljunga, Bollebygd, Tranemo, Svenljunga, Essunga, Grästorp, Vara, Götene, "
            "Skara, Tidaholm, Hjo, Tibro, Töreboda, Gullspång, Karlsborg, Lilla Edet, Öckerö"
        ),
    ),
    (
        "Region Skåne",
        1420,
        (
            "Skånes universitetssjukhus Lund, Skånes universitetssjukhus Malmö, Helsingborgs lasarett, "
            "Centralsjukhuset Kristianstad, Ystads lasarett, Hässleholms sjukhus, Ängelholms sjukhus, Trelleborgs "
            "lasarett, Landskrona lasarett"
        ),
        (
            "Malmö, Helsingborg, Lund, Kristianstad, Landskrona, Trelleborg, Ängelholm, Hässleholm, Ystad, Eslöv, "
            "Vellinge, Staffanstorp, Höganäs, Burlöv, Kävlinge, Lomma, Svedala, Skurup, Sjöbo, Hörby, Höör, "
            "Tomelilla, Simrishamn, Osby, Östra Göinge, Bromölla, Perstorp, Klippan, Åstorp, Bjuv, Båstad, "
            "Örkelljunga, Svalöv"
        ),
    ),
    (
        "Region Östergötland",
        470,
        "Universitetssjukhuset i Linköping, Vrinnevisjukhuset, Lasarettet i Motala",
        (
            "Linköping, Norrköping, Motala, Mjölby, Finspång, Vadstena, Söderköping, Åtvidaberg, Kinda, Boxholm, "
            "Ödeshög, Ydre, Valdemarsvik"
        ),
    ),
    (
        "Region Uppsala",
        400,
        "Akademiska sjukhuset, Lasarettet i Enköping",
        "Uppsala, Enköping, Östhammar, Knivsta, Tierp, Håbo, Heby, Älvkarleby",
    ),
    (
        "Region Jönköpings län",
        370,
        "Länssjukhuset Ryhov, Höglandssjukhuset Eksjö, Värnamo sjukhus",
        (
            "Jönköping, Värnamo, Nässjö, Vetlanda, Gislaved, Tranås, Eksjö, Vaggeryd, Gnosjö, Sävsjö, Habo, "
            "Mullsjö, Aneby"
        ),
    ),
    (
        "Region Halland",
        340,
        "Hallands sjukhus Halmstad, Hallands sjukhus Varberg, Hallands sjukhus Kungsbacka",
        "Halmstad, Kungsbacka, Varberg, Falkenberg, Laholm, Hylte",
    ),
    (
        "Region Örebro län",
        310,
        "Universitetssjukhuset Örebro, Karlskoga lasarett, Lindesbergs lasarett",
        (
            "Örebro, Karlskoga, Kumla, Lindesberg, Hallsberg, Askersund, Nora, Degerfors, Laxå, Lekeberg, "
            "Hällefors, Ljusnarsberg"
        ),
    ),
    (
        "Region Sörmland",
        300,
        "Mälarsjukhuset, Nyköpings lasarett, Kullbergska sjukhuset",
        "Eskilstuna, Nyköping, Katrineholm, Strängnäs, Flen, Oxelösund, Trosa, Gnesta, Vingåker",
    ),
    (
        "Region Gävleborg",
        290,
        "Gävle sjukhus, Hudiksvalls sjukhus, Bollnäs sjukhus",
        "Gävle, Sandviken, Hudiksvall, Bollnäs, Söderhamn, Ljusdal, Ovanåker, Hofors, Ockelbo, Nordanstig",
    ),
    (
        "Region Dalarna",
        290,
        "Falu lasarett, Mora lasarett, Ludvika lasarett, Avesta lasarett",
        (
            "Falun, Borlänge, Mora, Ludvika, Avesta, Leksand, Hedemora, Rättvik, Malung-Sälen, Säter, "
            "Smedjebacken, Vansbro, Orsa, Älvdalen, Gagnef"
        ),
    ),
    (
        "Region Värmland",
        283,
        "Centralsjukhuset Karlstad, Arvika sjukhus, Torsby sjukhus",
        (
            "Karlstad, Arvika, Kristinehamn, Hammarö, Säffle, Sunne, Grums, Forshaga, Kil, Torsby, Hagfors, "
            "Filipstad, Storfors, Munkfors, Årjäng, Eda"
        ),
    ),
    (
        "Region Västmanland",
        280,
        (
            "Västmanlands sjukhus Västerås, Västmanlands sjukhus Köping, Västmanlands sjukhus Sala, Västmanlands "
            "sjukhus Fagersta"
        ),
        ("Västerås, Köping, Sala, Fagersta, Hallstahammar, Arboga, Surahammar, Kungsör, Norberg, Skinnskatteberg"),
    ),
    (
        "Region Västerbotten",
        275,
        "Norrlands universitetssjukhus, Skellefteå lasarett, Lycksele lasarett",
        (
            "Umeå, Skellefteå, Lycksele, Vännäs, Vindeln, Robertsfors, Nordmaling, Vilhelmina, Storuman, "
            "Bjurholm, Norsjö, Malå, Dorotea, Åsele, Sorsele"
        ),
    ),
    (
        "Region Norrbotten",
        250,
        "Sunderby sjukhus, Piteå älvdals sjukhus, Gällivare sjukhus, Kiruna sjukhus, Kalix sjukhus",
        (
            "Luleå, Piteå, Boden, Kiruna, Gällivare, Kalix, Älvsbyn, Haparanda, Arvidsjaur, Jokkmokk, Övertorneå, "
            "Pajala, Överkalix, Arjeplog"
        ),
    ),
    (
        "Region Kalmar län",
        247,
        "Länssjukhuset i Kalmar, Västerviks sjukhus, Oskarshamns sjukhus",
        (
            "Kalmar, Västervik, Oskarshamn, Nybro, Vimmerby, Mönsterås, Hultsfred, Emmaboda, Mörbylånga, "
            "Borgholm, Torsås, Högsby"
        ),
    ),
    (
        "Region Västernorrland",
        245,
        "Sundsvalls sjukhus, Örnsköldsviks sjukhus, Sollefteå sjukhus",
        "Sundsvall, Örnsköldsvik, Härnösand, Kramfors, Timrå, Sollefteå, Ånge",
    ),
    (
        "Region Kronoberg",
        203,
        "Centrallasarettet Växjö, Ljungby lasarett",
        "Växjö, Ljungby, Älmhult, Alvesta, Markaryd, Tingsryd, Uppvidinge, Lessebo",
    ),
    (
        "Region Blekinge",
        157,
        "Blekingesjukhuset Karlskrona, Blekingesjukhuset Karlshamn",
        "Karlskrona, Karlshamn, Ronneby, Sölvesborg, Olofström",
    ),
    (
        "Region Jämtland Härjedalen",
        132,
        "Östersunds sjukhus",
        "Östersund, Krokom, Åre, Strömsund, Härjedalen, Berg, Bräcke, Ragunda",
    ),
    (
        "Region Gotland",
        61,
        "Visby lasarett",
        "",
    ),
]
REGIONS: list[tuple[str, int, list[str], list[str]]] = [
    (name, population, _names(hospitals), _names(places)) for name, population, hospitals, places in _REGIONS
]

# Share of a region's vårdcentraler run by private providers (the rest are the region's own).
PRIVATE_SHARE = {
    "Region Stockholm": 0.65,
    "Region Skåne": 0.5,
    "Västra Götalandsregionen": 0.45,
    "Region Halland": 0.45,
}
PRIVATE_SHARE_DEFAULT = 0.3

# (clinic, ward suffix, its outpatient clinic), the most common first: a small hospital has
# the first few, a university hospital all of them.
SPECIALTIES = [
    ("Medicinkliniken", "medicin", "Medicinmottagningen"),
    ("Kirurgkliniken", "kirurgi", "Kirurgmottagningen"),
    ("Ortopedkliniken", "ortopedi", "Ortopedmottagningen"),
    ("Akutkliniken", "akutvård", "Akutmottagningen"),
    ("Geriatriska kliniken", "geriatrik", "Geriatriska mottagningen"),
    ("Kvinnokliniken", "kvinnosjukvård", "Kvinnomottagningen"),
    ("Barn- och ungdomskliniken", "barn", "Barnmottagningen"),
    ("Vuxenpsykiatrin", "psykiatri", "Psykiatriska mottagningen"),
    ("Hjärtkliniken", "kardiologi", "Hjärtmottagningen"),
    ("Infektionskliniken", "infektion", "Infektionsmottagningen"),
    ("Anestesi- och intensivvårdskliniken", "intensivvård", "Preoperativa mottagningen"),
    ("Neurologiska kliniken", "neurologi", "Neurologmottagningen"),
    ("Onkologiska kliniken", "onkologi", "Onkologmottagningen"),
    ("Urologiska kliniken", "urologi", "Urologmottagningen"),
    ("Rehabiliteringskliniken", "rehabilitering", "Rehabiliteringsmottagningen"),
    ("Njurmedicinska kliniken", "njurmedicin", "Dialysmottagningen"),
    ("Öron-, näs- och halskliniken", "öron-näsa-hals", "Öron-, näs- och halsmottagningen"),
    ("Ögonkliniken", "ögon", "Ögonmottagningen"),
    ("Hudkliniken", "hud", "Hudmottagningen"),
    ("Handkirurgiska kliniken", "handkirurgi", "Handkirurgiska mottagningen"),
]

DISTRICTS = _names(
    "Centrum, Norr, Söder, Öster, Väster, City, Strand, Haga, Berga, Ekeby, Solbacken, Torget, "
    "Hamnen, Backen, Skogsbo, Ängen, Slottsstaden, Nyhem"
)
HOMES = _names(
    "Solgården, Lindgården, Björkbacken, Ekbacken, Tallgården, Rosengården, Humlegården, Solhemmet, "
    "Ängsgården, Furuhöjden, Lärkan, Vallmon, Kastanjen, Almgården, Hagabacken, Sjögläntan, "
    "Äppelgården, Strandgården, Blåklinten, Granbacken"
)
CHAINS = _names(
    "Capio Vårdcentral, Kry Vårdcentral, Praktikertjänst Vårdcentral, Doktor.se Vårdcentral, Meliva "
    "Vårdcentral, Achima Care Vårdcentral, Cityläkarna, Familjeläkarna, Husläkarna, Hälsocentralen"
)
# Municipalities that call themselves "stad", and names whose genitive is irregular.
CITIES = {
    "Stockholm": "Stockholms stad",
    "Göteborg": "Göteborgs Stad",
    "Malmö": "Malmö stad",
    "Västerås": "Västerås stad",
    "Solna": "Solna stad",
    "Sundbyberg": "Sundbybergs stad",
    "Lidingö": "Lidingö stad",
    "Vaxholm": "Vaxholms stad",
    "Mölndal": "Mölndals stad",
    "Borås": "Borås stad",
    "Trollhättan": "Trollhättans stad",
    "Landskrona": "Landskrona stad",
    "Helsingborg": "Helsingborgs stad",
}
GENITIVE = {"Falun": "Falu", "Kalmar": "Kalmar"}


def municipality_name(place: str) -> str:
    """The municipality's own name: "Lunds kommun", "Uppsala kommun", "Falu kommun"."""
    if place in CITIES:
        return CITIES[place]
    if place in GENITIVE:
        return f"{GENITIVE[place]} kommun"
    ends = place[-1].lower()
    return f"{place} kommun" if ends in "aeiouyåäösxz" else f"{place}s kommun"


@dataclass
class _Spec:
    name: str
    kind: str
    children: list[_Spec]


def _shares(count: int, exponent: float = 1.0) -> list[float]:
    weights = [1 / (k**exponent) for k in range(1, count + 1)]
    total = sum(weights)
    return [w / total for w in weights]


def _split(total: int, count: int, exponent: float = 1.0) -> list[int]:
    """`total` split over `count` parts along a Zipf curve, each at least one."""
    return [max(1, round(total * share)) for share in _shares(count, exponent)]


def _hospital(name: str, wards: int) -> _Spec:
    clinics = min(len(SPECIALTIES), max(4, wards // 3))
    clinic_specs = []
    for (clinic, suffix, outpatient), count in zip(SPECIALTIES[:clinics], _split(wards, clinics, 0.7), strict=True):
        children = [_Spec(f"Avdelning {number}, {suffix}", "enhet", []) for number in range(1, count + 1)]
        children.append(_Spec(outpatient, "enhet", []))
        clinic_specs.append(_Spec(clinic, "verksamhet", children))
    return _Spec(name, "forvaltning", clinic_specs)


def _places(municipalities: list[str], shares: list[float], count: int) -> list[str]:
    """`count` place names for vårdcentraler, spread over the municipalities by size."""
    per = [max(1, round(count * share)) for share in shares]
    names = []
    for place, n in zip(municipalities, per, strict=True):
        if n == 1:
            names.append(place)
        else:
            names += [
                f"{place} {DISTRICTS[i % len(DISTRICTS)]}{'' if i < len(DISTRICTS) else f' {i // len(DISTRICTS) + 1}'}"
                for i in range(n)
            ]
    return names


def _municipal_care(population: int) -> list[_Spec]:
    """ "Vård och omsorg" of a municipality of `population` thousand inhabitants."""
    homes = max(1, round(population / 8))
    teams = max(1, round(population / 25))
    short = max(1, round(population / 60))

    def named(stem: str, i: int) -> str:
        return stem if i < len(HOMES) else f"{stem} {i // len(HOMES) + 1}"

    return [
        _Spec(
            "Vård och omsorg",
            "forvaltning",
            [
                _Spec(
                    "Hemsjukvården",
                    "verksamhet",
                    [
                        _Spec(
                            f"Hemsjukvården {DISTRICTS[i % len(DISTRICTS)]}"
                            + ("" if i < len(DISTRICTS) else f" {i // len(DISTRICTS) + 1}"),
                            "enhet",
                            [],
                        )
                        for i in range(teams)
                    ]
                    if teams > 1
                    else [_Spec("Hemsjukvården Norr", "enhet", []), _Spec("Hemsjukvården Syd", "enhet", [])],
                ),
                _Spec(
                    "Särskilda boenden",
                    "verksamhet",
                    [
                        _Spec(named(f"{HOMES[i % len(HOMES)]} vård- och omsorgsboende", i), "enhet", [])
                        for i in range(homes)
                    ],
                ),
                _Spec(
                    "Korttidsvård",
                    "verksamhet",
                    [_Spec(f"Korttidsboendet {HOMES[-1 - i % len(HOMES)]}", "enhet", []) for i in range(short)],
                ),
            ],
        )
    ]


def tree() -> list[_Spec]:
    """The care providers of the whole country: regions, then municipalities, then private
    vårdcentraler, each list in the order of `REGIONS`."""
    regions, municipalities, private = [], [], []
    for region, population, hospitals, places in REGIONS:
        wards = max(4, round(population / 10))
        hospital_specs = [
            _hospital(name, count) for name, count in zip(hospitals, _split(wards, len(hospitals), 1.2), strict=True)
        ]
        centres = max(2, round(population / 9))
        own = max(1, round(centres * (1 - PRIVATE_SHARE.get(region, PRIVATE_SHARE_DEFAULT))))
        shares = _shares(len(places), 1.1) if places else [1.0]
        names = _places(places or [region.removeprefix("Region ")], shares, centres)
        primary = _Spec(
            "Nära vård", "forvaltning", [_Spec(f"Vårdcentralen {name}", "verksamhet", []) for name in names[:own]]
        )
        children = [*hospital_specs, primary]
        if not places:  # Region Gotland: the region is the municipality
            children += _municipal_care(population)
        regions.append(_Spec(region, "vardgivare", children))
        for place, share in zip(places, shares, strict=False):  # none for Gotland
            municipalities.append(
                _Spec(municipality_name(place), "vardgivare", _municipal_care(round(population * share)))
            )
        for number, name in enumerate(names[own:]):
            chain = CHAINS[(number * 7 + len(region)) % len(CHAINS)]
            private.append(
                _Spec(
                    f"{chain} {name}",
                    "vardgivare",
                    [
                        _Spec(f"Läkarmottagningen {name}", "enhet", []),
                        _Spec(f"Distriktssköterskemottagningen {name}", "enhet", []),
                    ],
                )
            )
    return regions + municipalities + private


def build() -> int:
    """Write the national tree's missing units with COPY (explicit ids, paths and care
    providers, as `accounts.services.orgunit_create` would set them). Returns how many."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT code, id FROM accounts_orgunitkind")
        kinds = dict(cursor.fetchall())
        cursor.execute("SELECT id, parent_id, name, path, depth, care_provider_id FROM accounts_orgunit")
        existing = cursor.fetchall()
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM accounts_orgunit")
        next_id = cursor.fetchone()[0] + 1
    by_parent: dict[tuple[int | None, str], tuple] = {}
    for row in existing:
        by_parent.setdefault((row[1], row[2]), row)
    below: dict[str, list[tuple]] = {}  # name -> existing units, to find a clinic anywhere below a hospital
    for row in existing:
        below.setdefault(row[2], []).append(row)
    rows: list[str] = []

    def place(spec: _Spec, parent: tuple | None) -> None:
        nonlocal next_id
        parent_id = parent[0] if parent else None
        found = by_parent.get((parent_id, spec.name))
        if found is None and parent is not None and spec.kind == "verksamhet":
            found = next((row for row in below.get(spec.name, []) if row[3].startswith(parent[3])), None)
        if found is None:
            pk = next_id
            next_id += 1
            path = f"{parent[3] if parent else '/'}{pk}/"
            depth = parent[4] + 1 if parent else 0
            provider = parent[5] if parent else pk
            found = (pk, parent_id, spec.name, path, depth, provider)
            by_parent[(parent_id, spec.name)] = found
            parent_text = parent_id or NULL
            rows.append(f"{pk}\t{spec.name}\t{path}\t{depth}\t\tt\t{provider}\t{parent_text}\t{kinds[spec.kind]}\n")
        for child in spec.children:
            place(child, found)

    for root in tree():
        place(root, None)
    if rows:
        with connection.cursor() as cursor:
            columns = "id, name, path, depth, hsa_id, is_active, care_provider_id, parent_id, kind_id"
            with cursor.copy(f"COPY accounts_orgunit ({columns}) FROM STDIN") as copy:
                copy.write("".join(rows))
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('accounts_orgunit', 'id'), "
                "(SELECT MAX(id) FROM accounts_orgunit))"
            )
    return len(rows)
