"""Incident descriptions for the load generator, with the word frequencies of real reports.

Real reports are written in a handful of very common words ("patienten", "fick", "läkemedel",
"föll") and a long tail of rare ones, many of them Swedish compounds that the writer forms on
the spot (läkemedelslistan, fallriskbedömning, vårdplatsbrist). The search pages (full text
and trigram parts of compounds, `incidents.search`) behave on such text
as they do in use only if the synthetic text has that shape: twenty fixed texts make every
search hit either 5 % or nothing.

So each slot of a sentence template draws its word with Zipf-like weights (the k-th word of a
list weighs 1/k^s), compounds are joined from parts with the linking -s- where Swedish has
it (läkemedel+s+lista, utskrivning+s+meddelande, but fall+risk), and each topic's sentences
are drawn once into a pool. A description is one or two sentences of its topic and perhaps a
general one, about one in five of them written afresh: few strings to generate, billions of
combinations, and the long tail keeps turning up. A topic follows the care setting (falls in
the municipalities' homes, bed shortage in hospitals) and names the category codes it fits
(`Topic.categories`). About 11 % of descriptions then contain "läkemedel".

Deterministic for a seed; building the pools takes well under a second.
"""

from __future__ import annotations

import random
import re
from bisect import bisect
from dataclasses import dataclass, field
from itertools import accumulate

from devdata.national import REGIONS

ZIPF = 1.1  # exponent of the weights 1/k^s of a list's k-th word

# --- Compounds ------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """The words of "a | b | c", in order (long lists are written so, to stay readable)."""
    return text.split(" | ")


# A first part and the form it takes inside a compound: the linking -s- follows -ning, -tion,
# -het, -else, -dom and most multi-syllable words; short nouns join bare.
PARTS = {
    "läkemedel": "läkemedels",
    "fall": "fall",
    "tryck": "tryck",
    "trycksår": "trycksårs",
    "infusion": "infusions",
    "ordination": "ordinations",
    "utskrivning": "utskrivnings",
    "inskrivning": "inskrivnings",
    "överrapportering": "överrapporterings",
    "vårdplats": "vårdplats",
    "journal": "journal",
    "hygien": "hygien",
    "nutrition": "nutritions",
    "narkotika": "narkotika",
    "insulin": "insulin",
    "dos": "dos",
    "risk": "risk",
    "natt": "natt",
    "kväll": "kvälls",
    "helg": "helg",
    "akut": "akut",
    "smärt": "smärt",
    "syrgas": "syrgas",
    "blod": "blod",
    "prov": "prov",
    "remiss": "remiss",
    "rutin": "rutin",
    "vård": "vård",
    "omvårdnad": "omvårdnads",
    "hemsjukvård": "hemsjukvårds",
    "patient": "patient",
    "personal": "personal",
    "bemanning": "bemannings",
    "arbetsmiljö": "arbetsmiljö",
    "arbete": "arbets",
    "kateter": "kateter",
    "larm": "larm",
    "säng": "säng",
    "lyft": "lyft",
    "signering": "signerings",
    "kontroll": "kontroll",
    "behandling": "behandlings",
    "information": "informations",
    "dokumentation": "dokumentations",
    "röntgen": "röntgen",
    "labb": "labb",
    "säkerhet": "säkerhets",
    "överbeläggning": "överbeläggnings",
}

# First part -> heads it forms compounds with, most common first (definite forms included:
# a report says "läkemedelslistan" more often than "läkemedelslista").
COMPOUNDS = {
    "läkemedel": _words(
        "listan | lista | fel | avvikelse | genomgång | hantering | förrådet | ordination | ordinationen "
        "| administrering | skåpet | vagnen | genomgången | byte | hanteringen | kontroll | listor | "
        "rummet | behandling | behandlingen | avvikelser | dosering | journalen | modulen | förråd | "
        "berättelse | säkerhet | ansvarig | rond | recept | kort | kylskåpet | beredning | felet | påsen "
        "| utdelning | utdelningen | lådan"
    ),
    "fall": _words(
        "risk | olycka | risken | riskbedömning | olyckan | skada | prevention | larm | händelse | skador "
        "| olyckor | riskbedömningen | registrering | skydd | rapport | tendens | förebyggande | larmet | "
        "utredning | kartläggning"
    ),
    "tryck": _words("sår | såret | avlastning | skada | sårsrisk | punkt | avlastande | madrass"),
    "trycksår": _words("risk | bedömning | riskbedömning | prevention | kartläggning | rutin"),
    "infusion": _words("pumpen | pump | aggregat | aggregatet | hastighet | slang | slangen | ställning"),
    "ordination": _words("fel | listan | handling | ändring | ändringen | underlag | tid | rätt"),
    "utskrivning": _words("meddelande | klar | samtal | planering | dag | dagen | process | information | recept"),
    "inskrivning": _words("meddelande | samtal | dag | dagen | rutin | status | anteckning"),
    "överrapportering": _words("rutin | rutinen | fel | mall | tid | rum | brist"),
    "vårdplats": _words("brist | bristen | läge | situation | situationen | koordinator | koordinatorn"),
    "journal": _words(
        "anteckning | systemet | anteckningen | uppgifter | handling | handlingar | granskning | kopia | "
        "system | modul | mallen"
    ),
    "hygien": _words("rutin | rutiner | rutinerna | brist | ombud | sjuksköterska | avvikelse"),
    "nutrition": _words("bedömning | status | plan | problem | ordination | stöd | dropp"),
    "narkotika": _words("förrådet | kontroll | journal | skåpet | klassade | räkning | svinn | nyckeln"),
    "insulin": _words("dos | dosen | pump | pennan | behandling | ordination | schema | chock"),
    "dos": _words("påsen | påse | ett | etten | dispenserade | ändring | rullen | fel"),
    "risk": _words("bedömning | bedömningen | patient | faktor | faktorer | läkemedel | analys"),
    "natt": _words("personal | passet | personalen | sjuksköterska | jour | tid | sköterska"),
    "kväll": _words("dosen | passet | personal | tid | medicin | rapport"),
    "helg": _words("bemanning | personal | jour | tjänstgöring"),
    "akut": _words("mottagningen | läkare | rummet | sjukvård | bil | läge"),
    "smärt": _words("lindring | skattning | pump | plåster | behandling"),
    "syrgas": _words("tub | tuben | behandling | flöde | grimma | koncentrator"),
    "blod": _words("prov | socker | tryck | transfusion | påse | förtunnande | gas | odling"),
    "prov": _words("svar | svaret | tagning | röret | rör | svaren | resultat"),
    "remiss": _words("svar | svaret | hantering | flöde | kö"),
    "rutin": ["brist", "avvikelse", "dokument"],
    "vård": _words(
        "plan | planen | tagare | tagaren | platsen | skada | skador | relaterad | kedja | avdelning | "
        "lag | tid | personal | hygien | hygienisk | givare"
    ),
    "omvårdnad": _words("plan | epikris | åtgärd | åtgärder | status | anteckning | journal"),
    "hemsjukvård": _words("personal | personalen | sjuksköterska | patient | insats | team"),
    "patient": _words(
        "säkerhet | säkerheten | journal | journalen | larm | larmet | rum | rummet | information | "
        "nämnden | lyft | id | bricka"
    ),
    "personal": _words("brist | bristen | rummet | grupp | gruppen | situation | resurs | omsättning"),
    "bemanning": _words("brist | situation | schema | planering"),
    "arbetsmiljö": _words("avvikelse | problem | ombud | risk | rond | arbete"),
    "arbete": _words("belastning | belastningen | skada | miljö | moment | ställning | tid | pass"),
    "kateter": _words("påse | vård | byte | infektion | spolning"),
    "larm": _words("matta | mattan | knapp | knappen | klocka | funktion | signal"),
    "säng": _words("grind | grindar | grindarna | kant | kanten | läge | larm"),
    "lyft": _words("hjälpmedel | sele | selen | bom | teknik"),
    "signering": _words("lista | listan | rutin | fel"),
    "kontroll": _words("räkning | räkningen | lista | rutin"),
    "behandling": _words("plan | planen | beslut | tid | start | avbrott"),
    "information": _words("överföring | överföringen | brist | blad | säkerhet"),
    "dokumentation": _words("brist | krav | rutin | fel"),
    "röntgen": _words("svar | remiss | undersökning | bild | avdelningen"),
    "labb": ["svar", "system", "remiss"],
    "säkerhet": _words("risk | brist | kontroll | rutin"),
    "överbeläggning": ["situation", "läge", "dygn"],
}

_CONSONANTS = set("bcdfghjklmnpqrstvwxz")


def compound(first: str, head: str) -> str:
    """`first` and `head` as one Swedish word: the linking form of the first part, and three
    equal consonants at the joint written as two (natt + tid: nattid)."""
    part = PARTS.get(first, first)
    if len(part) >= 2 and part[-1] == part[-2] == head[0] and head[0] in _CONSONANTS:
        part = part[:-1]
    return part + head


def compounds(firsts: list[str] | None = None) -> list[str]:
    """Every compound of the given first parts (all of them by default), the most common
    first: a word's rank is its first part's rank times its head's (a Zipf of a Zipf)."""
    ranked = []
    order = list(COMPOUNDS) if firsts is None else firsts
    for i, first in enumerate(order, start=1):
        for j, head in enumerate(COMPOUNDS[first], start=1):
            ranked.append((i * j, i, j, compound(first, head)))
    ranked.sort()
    return [word for *_rank, word in ranked]


# --- Word lists -----------------------------------------------------------------------------------
# Each list is ordered by how often a report uses the word; a template's {slot} draws from it.

WORDS: dict[str, list[str]] = {
    "pat": _words(
        "Patienten | Patient | Pat | Vårdtagaren | Brukaren | Den äldre patienten | Kvinnan | Mannen | "
        "Barnet | Den boende | Patienten på sal 3 | Patienten i rum 12 | Den nyopererade patienten | Den "
        "dementa patienten | Den förvirrade patienten | Den inneliggande patienten"
    ),
    "staff": _words(
        "sjuksköterska | undersköterska | läkare | jourläkare | nattpersonal | vikarie | sjuksköterskan | "
        "undersköterskan | läkaren | personal | kollega | fysioterapeut | arbetsterapeut | barnmorska | "
        "vårdbiträde | omvårdnadspersonal | underläkare | AT-läkare | specialistsjuksköterska | "
        "distriktssköterska | hemtjänstpersonal | sjuksköterskestudent"
    ),
    "when": _words(
        "under natten | på kvällen | vid överrapporteringen | på morgonen | under helgen | vid ronden | "
        "vid inskrivningen | vid utskrivningen | efter operationen | på eftermiddagen | under dagpasset | "
        "vid nattpasset | i samband med måltid | vid kvällsmedicineringen | vid morgonmedicineringen | "
        "vid skiftbytet | under lunchen | på natten mot lördag | vid hemgång | under transporten | vid "
        "förflyttning | under julhelgen | i samband med besök | vid tillsyn | vid toalettbesök | efter "
        "dusch | under ombyggnaden"
    ),
    "drug": _words(
        "Waran | insulin | Alvedon | morfin | Oxynorm | Eliquis | Fragmin | antibiotika | Furix | "
        "Metformin | kaliumklorid | Levaxin | Haldol | Stesolid | Zopiklon | Citodon | Theralen | Imovane "
        "| Ipren | Kåvepenin | Heracillin | Digoxin | Novorapid | Lantus | Xarelto | Pradaxa | Oxycontin "
        "| Targiniq | Norspan | Durogesic | Sobril | Atarax | Movicol | Laktulos | Betapred | Prednisolon "
        "| Cefotaxim | Tazocin | Meropenem | Vancomycin | paracetamol | Trombyl | Metoprolol | Enalapril "
        "| Amlodipin | Simvastatin | Atorvastatin | Omeprazol | Pantoprazol | Losec | Nexium | Sertralin "
        "| Citalopram | Escitalopram | Mirtazapin | Propavan | Melatonin | Lergigan | Oxascand | "
        "Alprazolam | Lyrica | Gabapentin | Tramadol | Kodein | Naloxon | Ketogan | Dolcontin | Fentanyl "
        "| Ketamin | Propofol | Adrenalin | Atropin | Noradrenalin | Dobutamin | Amiodaron | Cordarone | "
        "Seloken | Bisoprolol | Ramipril | Losartan | Spironolakton | Bumetanid | Hydroklortiazid | "
        "Kalcium | Magnesium | Fosfat | Järn | Ferinject | Heparin | Klexane | Innohep | Apixaban | "
        "Kaliumjodid | Glukos | Ringer-acetat | Natriumklorid | Albumin | Erytrocytkoncentrat | Plasma | "
        "Trombocyter | Ceftriaxon | Cefuroxim | Klindamycin | Doxycyklin | Flukloxacillin | "
        "Bensylpenicillin | Gentamicin | Ciprofloxacin | Metronidazol | Trimetoprim | Nitrofurantoin | "
        "Valaciklovir | Flukonazol | Prednison | Hydrokortison | Solu-Cortef | Dexametason | Insulatard | "
        "Humalog | Fiasp | Tresiba | Toujeo | Ozempic | Jardiance | Forxiga | Glibenklamid | Levodopa | "
        "Madopark | Sinemet | Donepezil | Memantin | Risperidon | Olanzapin | Kvetiapin | Litium | "
        "Lamotrigin | Levetiracetam | Keppra | Valproat | Karbamazepin | Buventol | Ventoline | Atrovent "
        "| Pulmicort | Symbicort | Spiriva | Betolvex | Folsyra | Behepan | Calcichew | Alendronat | "
        "Metotrexat | Cyklofosfamid | Cisplatin | Paklitaxel"
    ),
    "dose_error": _words(
        "dubbel dos | fel dos | för hög dos | tio gånger för hög dos | för låg dos | fel styrka | sin "
        "kvällsdos två gånger | morgondosen för sent | ingen dos alls | en extra dos | fel beredningsform "
        "| dosen en timme för tidigt"
    ),
    "med_thing": _words(
        "Läkemedelslistan | Dosetten | Dospåsen | Ordinationen | Läkemedelsordinationen | "
        "Signeringslistan | Läkemedelsjournalen | Narkotikajournalen | Insulinordinationen | "
        "Läkemedelsberättelsen | Ordinationshandlingen | Doseringsschemat | Infusionsordinationen"
    ),
    "pump": _words("infusionspumpen | sprutpumpen | droppet | smärtpumpen | insulinpumpen | nutritionspumpen"),
    "where_fall": _words(
        "på toaletten | vid sängen | i korridoren | i badrummet | på väg till toaletten | från sängen | i "
        "dagrummet | vid förflyttning till rullstol | i duschen | i matsalen | i trappan | utanför entrén "
        "| på rummet | vid hissen | i hemmet | i sovrummet"
    ),
    # Appended to "föll ..." (hence the leading space), nothing said most often.
    "fall_result": [
        "",
        *(
            f" {result}"
            for result in _words(
                "och slog huvudet | utan synlig skada | och fick en höftfraktur | och fick ett sår på armen | "
                "och klagade på smärta i höften | och fick ett blåmärke på låret | och slog i ansiktet | "
                "och fick en skallskada | och bröt handleden | och fick sy i pannan"
            )
        ),
    ],
    "fall_aid": _words(
        "larmmatta | sänggrindar | höftskydd | rullator | fallriskbedömning | tillsyn varje timme | "
        "sängen i lågt läge | halkstrumpor | rörelselarm | extravak"
    ),
    "obstacle": _words(
        "en sladd | mattan | rullatorn | tröskeln | en stol | droppställningen | en våt fläck på golvet"
    ),
    "discharge_gap": _words(
        "utan att hemtjänsten informerats | utan aktuell läkemedelslista | utan läkemedelslista | utan "
        "att kommunen fått något utskrivningsmeddelande | utan hjälpmedel i hemmet | utan epikris | utan "
        "recept på smärtlindring | utan att anhöriga kontaktats | före utskrivningsklar tidpunkt | utan "
        "uppföljande besök bokat | med fel läkemedel i dospåsen"
    ),
    "handover_doc": _words(
        "Överrapporteringen | Den muntliga rapporten | Omvårdnadsepikrisen | Vårdplanen | "
        "Informationsöverföringen | Inskrivningsmeddelandet | Utskrivningsmeddelandet | Remissen"
    ),
    "unit_from": _words(
        "akuten | intensivvårdsavdelningen | operation | uppvakningen | en annan avdelning | ett annat "
        "sjukhus | korttidsboendet | hemsjukvården | vårdcentralen | psykiatrin"
    ),
    "info_item": _words(
        "allergi | smittsamhet | ändrad läkemedelsbehandling | fallrisk | nutritionsstatus | trycksår | "
        "syrgasbehandling | insulinbehandling | MRSA | pågående antibiotikabehandling | diabetes | "
        "nedsatt njurfunktion | blodförtunnande behandling"
    ),
    "receiver": _words(
        "hemsjukvården | vårdcentralen | den mottagande avdelningen | kommunen | patientens anhöriga | "
        "ansvarig läkare | hemtjänsten | särskilt boende"
    ),
    "specialty": _words(
        "kardiologen | ortopeden | onkologen | röntgen | neurologen | urologen | ögonkliniken | "
        "öron-näsa-hals | hudkliniken | gastroenterologen | geriatriken | minnesmottagningen"
    ),
    "long_time": _words("fyra månader | sex veckor | tre månader | två veckor | ett halvår | åtta veckor"),
    "body_site": _words("på hälen | på korsbenet | på sätet | på höften | på armbågen | bakom örat | på foten"),
    "occasion": _words(
        "utskrivning | inskrivning | dusch | omläggning | ronden | lägesändring | överflyttning | hudinspektion"
    ),
    "pressure_miss": _words(
        "Trycksårsriskbedömning | Riskbedömning enligt Norton | Tryckavlastning | Hudinspektion | "
        "Lägesändring | Trycksårsbedömningen | Tryckavlastande madrass | Dokumentation av trycksåret"
    ),
    "infection_sign": _words("feber och rodnad | rodnad och svullnad | pus | smärta och värmeökning | frossa"),
    "line": _words("PVK | CVK | infarten | PICC-line | urinkatetern | dränet | operationssåret | sonden"),
    "hygiene_rule": _words(
        "Basala hygienrutiner | Hygienrutinerna | Handhygienen | Rutinen för isolering | Rutinen för "
        "katetervård | Klädreglerna | Rutinen för PVK-skötsel"
    ),
    "device": _words(
        "Infusionspumpen | Sprutpumpen | Syrgasutrustningen | Sugen | Defibrillatorn | Blodtrycksmätaren "
        "| Taklyften | Personlyften | Patientlarmet | Övervakningsutrustningen | Sängen | "
        "Blodsockermätaren | Larmmattan | Dosrobotens påse | Telemetrin | Ventilatorn"
    ),
    "device_fault": _words(
        "larmade inte | gick inte att starta | visade fel värde | var inte servicekontrollerad | saknades "
        "på avdelningen | var trasig | slutade fungera | hade urladdat batteri | larmade utan orsak | var "
        "felkopplad"
    ),
    "system": _words(
        "Journalsystemet | Cosmic | Millennium | Läkemedelsmodulen | Labbsystemet | Röntgensystemet | "
        "Nationella patientöversikten | Pascal | Journalen | Treserva | Procapita | Lifecare"
    ),
    "short_time": _words("i två timmar | under hela kvällen | i fyrtio minuter | under natten | i en halvtimme"),
    "system_effect": _words(
        "läkemedelslistor gick inte att se | provsvar kunde inte läsas | reservrutin med papperslistor "
        "användes | ordinationer kunde inte signeras | remisser kunde inte skickas | journalen gick inte "
        "att öppna"
    ),
    "missing_doc": _words(
        "Ordinationen | Allergiuppgiften | Vårdplanen | Fallriskbedömningen | Samtycket | "
        "Läkemedelsordinationen | Nutritionsbedömningen | Vårdplaneringen | Inskrivningsanteckningen"
    ),
    "crowding": _words(
        "patient fick ligga i korridoren över natten | patient fick vänta på akuten i tolv timmar | "
        "patienter utlokaliserades till andra avdelningar | tillsynen av patienterna blev bristfällig | "
        "måltider delades ut sent | ronden fick skjutas upp | läkemedel gavs för sent"
    ),
    "bed_word": _words("Vårdplatsbrist | Platsbrist | Överbeläggning | Brist på vårdplatser | Vårdplatsbristen"),
    "ward_other": _words("kirurgen | ortopeden | en annan klinik | en medicinavdelning | gynekologen | infektion"),
    "staffing": _words("låg | otillräcklig | bristfällig | under miniminivå | ansträngd"),
    "abnormal": _words(
        "kraftigt förhöjt kalium | lågt hemoglobin | högt CRP | positiv blododling | förhöjt troponin | "
        "lågt natrium | högt INR | förhöjt laktat"
    ),
    "later": _words("nästa dag | efter tre dagar | efter en vecka | vid nästa besök | efter helgen"),
    "diagnosis": _words(
        "Fraktur i handleden | Blindtarmsinflammation | Lunginflammation | Stroke | Hjärtinfarkt | Propp "
        "i benet | Sepsis | Höftfraktur | Malignt melanom | Kotfraktur"
    ),
    "return_visit": _words("återbesök efter en vecka | nästa besök | förnyad kontakt | röntgen två veckor senare"),
    "care_missed": _words(
        "sin nutrition | vätskeersättning | smärtlindring | syrgas | lägesändring | blodsockerkontroll | "
        "tillsyn | sin antibiotikados | trombosprofylax | andningsgymnastik"
    ),
    "op": _words("operationen | förlossningen | kejsarsnittet | höftoperationen | ingreppet"),
    "delay_reason": _words(
        "vårdplatsbrist | personalbrist | att remissen inte skickats | att provsvaret inte vidimerats | "
        "att läkaren inte nåddes | långa väntetider på akuten"
    ),
    "info_error": _words("ingen information | motstridig information | fel information | bristfällig information"),
    "topic_info": _words("behandlingen | provsvaren | operationen | läkemedelsbytet | utskrivningen | diagnosen"),
    "risk_state": _words("hög suicidrisk | suicidtankar | självskadebeteende | tvångsvård"),
    "object": _words("en rakhyvel | ett skärp | en sladd | tabletter | en kniv | en plastpåse"),
    "diet": _words("vanlig kost | gluteninnehållande mat | fel konsistens | mat med nötter | laktos"),
    "doc_pu": _words("Epikrisen | Remissvaret | Kallelsen | Provsvaret | Läkarintyget | Journalkopian"),
    "pu_receiver": _words("patient | adress | vårdgivare | mottagning | e-postadress"),
    "actor_threat": _words("Anhörig | Patienten | En besökare | En berusad person | Patientens son"),
    "threat": _words("hotfull | aggressiv | våldsam | verbalt hotfull | utåtagerande"),
    "threat_act": _words(
        "slog mot disken | knuffade personalen | kastade en stol | spottade på personalen | hotade att "
        "komma tillbaka | slog en undersköterska i ansiktet | sparkade en sjuksköterska"
    ),
    "place_am": _words("i receptionen | på akuten | i korridoren | på rummet | i väntrummet | vid entrén"),
    "sharp": _words("en använd kanyl | en skalpell | en nål som låg i sängen | en lansett | en kanyl i soporna"),
    "body_part": _words("ryggen | axeln | knät | handleden | nacken"),
    "transfer": _words("förflyttning | lyft | vändning i sängen | förflyttning från golvet"),
    "aid": _words("lyfthjälpmedel | taklyft | glidlakan | hjälp av kollega"),
    "surface": _words("det våta golvet | isen utanför entrén | trappan | det nyskurade golvet"),
    "chemical": _words("Desinfektionsmedel | Formalin | Cytostatika | Rengöringsmedel | Handsprit"),
    "room": _words("förrådet | sköljrummet | laboratoriet | personalrummet | städrummet"),
    "noticed": _words(
        "Händelsen upptäcktes | Felet upptäcktes | Det uppmärksammades | Avvikelsen noterades | Det "
        "upptäcktes | Händelsen uppmärksammades"
    ),
    "informed": _words(
        "Ansvarig läkare | Jourhavande läkare | Enhetschef | Avdelningschefen | Anhöriga | Patienten | "
        "Ansvarig sjuksköterska | Jourhavande chef | Medicinskt ansvarig sjuksköterska"
    ),
    "outcome": _words(
        "Ingen synlig skada uppstod. | Patienten mådde efter omständigheterna bra. | Patienten fick "
        "övervakas extra under natten. | Händelsen har tagits upp i personalgruppen. | Patienten fick "
        "förlängd vårdtid. | Patienten flyttades till IVA för övervakning. | Vitalparametrar "
        "kontrollerades utan anmärkning. | Det var hög arbetsbelastning på avdelningen. | Anhöriga var "
        "upprörda. | Patienten var opåverkad. | Ingen vet hur länge det pågått. | Liknande händelser har "
        "inträffat tidigare. | Rutinen följdes inte."
    ),
    "number": _words("två | tre | fyra | fem | sex | sju | åtta"),
    "amount": _words("en ampull | två ampuller | tio tabletter | en förpackning | fem plåster"),
}

# Every compound of a first part is a word of its own list ("fall_words", ...).
for _first in COMPOUNDS:
    WORDS[f"{_first}_words"] = compounds([_first])
WORDS["med_words"] = ["läkemedel", "läkemedlet", "läkemedlen", *WORDS["läkemedel_words"]]
# Places: the municipalities, the largest of each region first (a long tail of names).
WORDS["place"] = [
    places[rank]
    for rank in range(max(len(places) for *_region, places in REGIONS))
    for *_region, places in REGIONS
    if rank < len(places)
]
WORDS["high_risk"] = ["högriskläkemedel", "narkotikaklassade läkemedel", "vid behovsläkemedel", "beredskapsläkemedel"]


@dataclass(frozen=True)
class Topic:
    """What a report is about: its sentence templates (most common first), the category
    codes it is classified under and, per care setting, how often it is reported."""

    code: str
    templates: list[str]
    categories: list[str]
    weight: dict[str, float] = field(default_factory=dict)  # setting -> relative frequency


# The settings a unit can be in (load._setting decides which).
HOSPITAL, OUTPATIENT, MUNICIPAL = "hospital", "outpatient", "municipal"

CARE_TOPICS = [
    Topic(
        "medication",
        [
            "{pat} fick {dose_error} {drug} {when}.",
            "{med_thing} stämde inte med ordinationen {when}.",
            "{drug} gavs inte {when} trots ordination.",
            "{pat} fick {drug} som var ordinerat till en annan patient.",
            "Vid kontrollräkning i {narkotika_words} saknades {amount} {drug}.",
            "{med_thing} var inte uppdaterad efter överflyttning från {unit_from}.",
            "Infusion av {drug} gick med fel hastighet i {pump}.",
            "Signering av {drug} saknades i {signering_words}.",
            "{staff_cap} delade {drug} till fel patient {when}.",
            "Otydlig ordination i {med_words}; {drug} gavs i {dose_error}.",
            "{pat} har haft {dose_error} {drug} sedan {dos_words} ändrades.",
            "Avvikelse vid {med_words}: {drug} saknades i {dos_words}.",
            "{high_risk_cap} förvarades olåst {when}.",
            "Det saknades {med_words} vid överflyttning; {drug} gavs dubbelt.",
            "{insulin_words_cap} gavs utan att blodsockret kontrollerats.",
        ],
        [
            "lakemedel-administrering",
            "lakemedel-ordination",
            "lakemedel-iordningstallande",
            "lakemedel-forvaring",
            "lakemedel-uppfoljning",
            "lakemedelslista",
        ],
        {HOSPITAL: 14, OUTPATIENT: 16, MUNICIPAL: 20},
    ),
    Topic(
        "fall",
        [
            "{pat} föll {where_fall} {when}{fall_result}.",
            "{pat} hittades på golvet {where_fall} {when}; ingen såg fallet.",
            "{fall_words_cap} trots {fall_aid}.",
            "Fallriskbedömning var inte gjord vid inskrivningen och {pat_lc} föll {where_fall}.",
            "Larmmattan var inte påslagen när {pat_lc} föll {when}.",
            "{pat} snubblade på {obstacle} och föll{fall_result}.",
            "{pat} föll ur sängen trots {fall_aid}{fall_result}.",
            "Fall {where_fall} {when}; {pat_lc} hade inte fått hjälp till toaletten.",
            "{pat} gled ur rullstolen {when}{fall_result}.",
            "Upprepade fall {where_fall}; {fall_words} inte uppdaterad.",
        ],
        ["fall", "fall-utan-vittne"],
        {HOSPITAL: 12, OUTPATIENT: 3, MUNICIPAL: 38},
    ),
    Topic(
        "transition",
        [
            "{pat} skrevs ut {discharge_gap}.",
            "{handover_doc} var ofullständig vid överflyttning från {unit_from}.",
            "Information om {info_item} nådde inte {receiver}.",
            "Remiss till {specialty} skickades aldrig; {pat_lc} väntade i {long_time}.",
            "{utskrivning_words_cap} kom först dagen efter hemgång.",
            "{pat} kom hem från sjukhuset {discharge_gap}.",
            "{pat} överflyttades från sjukhuset i {place} {discharge_gap}.",
            "Ingen {överrapportering_words} gjordes när {pat_lc} flyttades från {unit_from}.",
            "{remiss_words_cap} blev liggande obesvarad i {long_time}.",
        ],
        ["vardovergang", "utskrivning", "remiss", "lakemedelslista"],
        {HOSPITAL: 10, OUTPATIENT: 12, MUNICIPAL: 12},
    ),
    Topic(
        "pressure_ulcer",
        [
            "Trycksår kategori {grade} upptäcktes {body_site} vid {occasion}.",
            "{pressure_miss} saknades trots känd risk.",
            "{pat} låg på samma sida i flera timmar; {tryck_words} saknades.",
            "{trycksår_words_cap} var inte gjord vid inskrivningen; trycksår {body_site} upptäcktes vid {occasion}.",
        ],
        ["trycksar"],
        {HOSPITAL: 4, OUTPATIENT: 1, MUNICIPAL: 7},
    ),
    Topic(
        "infection",
        [
            "{pat} fick {infection_sign} runt {line} efter {number} dygn.",
            "{hygiene_rule} följdes inte {when}.",
            "Smittsam patient placerades i flersalsrum på grund av {vårdplats_words}.",
            "{line} hade inte bytts på {number} dygn och {pat_lc} fick feber.",
            "Brister i {hygien_words} på avdelningen; misstänkt vårdrelaterad infektion.",
        ],
        ["vri", "infart", "vardhygien"],
        {HOSPITAL: 6, OUTPATIENT: 2, MUNICIPAL: 4},
    ),
    Topic(
        "equipment",
        [
            "{device} {device_fault} {when}.",
            "{infusion_words_cap} {device_fault} när {drug} gavs.",
            "{device} {device_fault}; {pat_lc} fick vänta på ersättning.",
            "{lyft_words_cap} gick sönder vid förflyttning av {pat_lc}.",
        ],
        ["utrustning", "driftstorning"],
        {HOSPITAL: 5, OUTPATIENT: 3, MUNICIPAL: 4},
    ),
    Topic(
        "records",
        [
            "{system} låg nere {short_time}; {system_effect}.",
            "Anteckning fördes i fel patients journal.",
            "{missing_doc} saknades i journalen.",
            "{journal_words_cap} saknades när {pat_lc} kom till {unit_from}.",
            "{system} visade fel {läkemedel_words}; {drug} gavs efter gammal ordination.",
        ],
        ["journalsystem", "driftstorning"],
        {HOSPITAL: 6, OUTPATIENT: 8, MUNICIPAL: 5},
    ),
    Topic(
        "beds",
        [
            "{number_cap} överbeläggningar på avdelningen {when}; {crowding}.",
            "{bed_word} medförde att {crowding}.",
            "{pat} utlokaliserades till {ward_other} på grund av {vårdplats_words}.",
            "Bemanningen var {staffing} i förhållande till antalet patienter; {crowding}.",
            "{överbeläggning_words_cap} {when}; {crowding}.",
        ],
        ["overbelaggning", "utlokalisering", "kompetens"],
        {HOSPITAL: 9, OUTPATIENT: 1, MUNICIPAL: 1},
    ),
    Topic(
        "diagnostics",
        [
            "Provsvar med {abnormal} vidimerades inte förrän {later}.",
            "{diagnosis} missades vid första besöket och upptäcktes vid {return_visit}.",
            "Prov togs på fel patient; {prov_words} var felmärkt.",
            "Röntgensvaret blev liggande utan åtgärd i {long_time}.",
            "{prov_words_cap} med {abnormal} nådde inte ansvarig läkare {when}.",
        ],
        ["provsvar", "fordrojd-diagnos", "provtagning", "rontgen"],
        {HOSPITAL: 7, OUTPATIENT: 14, MUNICIPAL: 2},
    ),
    Topic(
        "care",
        [
            "{pat} fick inte {care_missed} enligt ordination {when}.",
            "Postoperativ patient övervakades inte enligt rutin {when}.",
            "{pat} hade {volume} ml i blåsan vid bladderscan efter {op}.",
            "Fördröjd behandling på grund av {delay_reason}.",
            "Ambulansen till {place} dröjde och {pat_lc} fick vänta på {care_missed}.",
            "{pat} fick inte {care_missed} {when} på grund av {personal_words}.",
            "{nutrition_words_cap} saknades och {pat_lc} gick ner i vikt.",
        ],
        ["overvakning", "blasoverfyllnad", "nutrition", "operation"],
        {HOSPITAL: 8, OUTPATIENT: 5, MUNICIPAL: 6},
    ),
    Topic(
        "information",
        [
            "{pat} och anhöriga fick {info_error} om {topic_info}.",
            "Anhörig upplevde att {pat_lc} inte blev lyssnad på {when}.",
            "{pat} informerades inte om {topic_info} före {op}.",
            "{information_words_cap} mellan {staff} och {receiver}; {pat_lc} fick {info_error}.",
        ],
        ["kommunikation", "ovrigt"],
        {HOSPITAL: 4, OUTPATIENT: 7, MUNICIPAL: 3},
    ),
    Topic(
        "suicide",
        [
            "Patient med {risk_state} lämnade avdelningen obemärkt {when}.",
            "{pat} hittade {object} på rummet trots {risk_state}.",
        ],
        ["suicid"],
        {HOSPITAL: 2, OUTPATIENT: 1, MUNICIPAL: 0.3},
    ),
    Topic(
        "privacy",
        [
            "{doc_pu} skickades till fel {pu_receiver}.",
            "Journal öppnades utan vårdrelation av {staff}.",
        ],
        ["personuppgiftsincident"],
        {HOSPITAL: 1.5, OUTPATIENT: 3, MUNICIPAL: 1},
    ),
]

WORK_TOPICS = [
    Topic(
        "violence",
        [
            "{actor_threat} blev {threat} {place_am} och {threat_act}.",
            "{actor_threat} {threat_act} {when}; väktare tillkallades.",
        ],
        ["am-hot-vald"],
        {HOSPITAL: 4, OUTPATIENT: 4, MUNICIPAL: 3},
    ),
    Topic(
        "needle",
        ["{staff_cap} stack sig på {sharp} {when}.", "Stickskada: {staff} stack sig på {sharp}."],
        ["am-stickskada"],
        {HOSPITAL: 3, OUTPATIENT: 2, MUNICIPAL: 1},
    ),
    Topic(
        "strain",
        [
            "{staff_cap} skadade {body_part} vid {transfer} utan {aid}.",
            "{arbete_words_cap} {when}; {staff} fick ont i {body_part}.",
            "Hög {arbete_words} {when}; {bemanning_words}.",
            "{personal_words_cap} {when}; {staff} arbetade dubbla pass.",
        ],
        ["am-belastning", "am-ovrigt"],
        {HOSPITAL: 4, OUTPATIENT: 3, MUNICIPAL: 5},
    ),
    Topic(
        "slip",
        ["{staff_cap} halkade på {surface} {when}.", "{staff_cap} snubblade i {room} och föll."],
        ["am-ovrigt"],
        {HOSPITAL: 1, OUTPATIENT: 1, MUNICIPAL: 1.5},
    ),
    Topic(
        "chemical",
        ["{chemical} läckte ut i {room}.", "{chemical} stänkte i ögonen på {staff}."],
        ["am-miljoutslapp"],
        {HOSPITAL: 0.7, OUTPATIENT: 0.3, MUNICIPAL: 0.3},
    ),
]

# A second sentence any report may carry (or none), the most common first.
GENERAL = [
    "{noticed} {when}.",
    "{informed} informerades.",
    "{outcome}",
    "{informed} kontaktades {when}.",
    "Det var {number} patienter per sjuksköterska {when}.",
    "{noticed} vid {med_words}.",
    "{noticed} av {staff}.",
    "{patient_words_cap} påverkades.",
    "{vård_words_cap} behöver ses över.",
    "Händelsen inträffade kl. {clock}.",
    "{pat} var på besök från {place}.",
]

IMMEDIATE = [
    "Läkare kontaktad.",
    "Vitalparametrar kontrollerade.",
    "Anhöriga informerade.",
    "Patienten informerad.",
    "Ansvarig sjuksköterska informerad.",
    "Ny ordination inhämtad.",
    "Utrustningen tagen ur bruk och märkt.",
    "Tillsyn utökad.",
    "Enhetschef informerad.",
    "Läkemedelslistan uppdaterad.",
    "Fallriskbedömning gjord.",
    "Provet taget om.",
    "Remiss skickad.",
    "Avlastning påbörjad.",
    "Odling tagen.",
    "Väktare tillkallad.",
    "Provtagning enligt rutin.",
    "Larmmatta utlagd.",
    "Kommunen kontaktad.",
    "Journalanteckning rättad.",
]

_SLOT = re.compile(r"{(\w+)}")


class _Zipf:
    """Draws from a list with the weights 1/k^s."""

    def __init__(self, items: list[str], exponent: float = ZIPF):
        self.items = items
        self.cum = list(accumulate(1 / (k**exponent) for k in range(1, len(items) + 1)))
        self.total = self.cum[-1]

    def draw(self, rng: random.Random) -> str:
        return self.items[min(bisect(self.cum, rng.random() * self.total), len(self.items) - 1)]


class Writer:
    """Sentence pools per topic, and descriptions drawn from them."""

    SENTENCES_PER_TOPIC = 2000

    def __init__(self, seed: int):
        rng = random.Random(f"wording-{seed}")
        self._lists = {name: _Zipf(words) for name, words in WORDS.items()}
        self.topics = CARE_TOPICS + WORK_TOPICS
        self.templates = [_Zipf(topic.templates, exponent=0.8) for topic in self.topics]
        self.general_templates = _Zipf(GENERAL, exponent=0.8)
        self.pools = [self._sentences(chooser, rng, self.SENTENCES_PER_TOPIC) for chooser in self.templates]
        self.general = self._sentences(self.general_templates, rng, 3000)
        self.immediate = IMMEDIATE

    def _fill(self, template: str, rng: random.Random) -> str:
        def word(match: re.Match) -> str:
            name = match.group(1)
            if name == "grade":
                return str(rng.choice((1, 1, 2, 2, 2, 3, 4)))
            if name == "clock":
                return f"{rng.randrange(24):02d}.{rng.randrange(60):02d}"
            if name == "volume":
                return f"{rng.randrange(6, 16) * 100}"
            if name.endswith("_cap"):
                text = self._lists[name[:-4]].draw(rng)
                return text[:1].upper() + text[1:]
            if name.endswith("_lc"):
                text = self._lists[name[:-3]].draw(rng)
                return text if text.isupper() or text[1:2].isupper() else text[:1].lower() + text[1:]
            return self._lists[name].draw(rng)

        return _SLOT.sub(word, template)

    def _sentences(self, templates: _Zipf, rng: random.Random, count: int) -> list[str]:
        return [self._fill(templates.draw(rng), rng) for _ in range(count)]

    def description(self, topic: int, rng: random.Random) -> str:
        """One to three sentences: one or two of the topic, perhaps a general one. About one
        description in five has a sentence written afresh, not drawn from the pools: the rare
        words of the long tail keep turning up."""
        pool = self.pools[topic]
        r = rng.random()
        text = pool[int(rng.random() * len(pool))]
        if r < 0.35:
            second = (
                self._fill(self.templates[topic].draw(rng), rng) if r < 0.09 else pool[int(rng.random() * len(pool))]
            )
            text = f"{text} {second}"
        if r > 0.25:
            if r > 0.9:
                general = self._fill(self.general_templates.draw(rng), rng)
            else:
                general = self.general[int(rng.random() * len(self.general))]
            text = f"{text} {general}"
        return text

    def topic_table(self, setting: str, case_type_work: bool, size: int = 1000) -> list[int]:
        """Indices into `self.topics` laid out by frequency, to draw with one random number."""
        first = len(CARE_TOPICS) if case_type_work else 0
        topics = WORK_TOPICS if case_type_work else CARE_TOPICS
        weights = [topic.weight.get(setting, 1) for topic in topics]
        return _table(list(range(first, first + len(topics))), weights, size)


def _table(values: list, weights: list[float], size: int) -> list:
    """`values` repeated in proportion to `weights` over `size` slots (a draw is one index)."""
    cum = list(accumulate(weights))
    total = cum[-1]
    return [values[min(bisect(cum, (i + 0.5) / size * total), len(values) - 1)] for i in range(size)]
