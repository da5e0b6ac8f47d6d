"""What the demo party says: names, places, themes, motions, questions and replies (Dutch text as data)."""
from __future__ import annotations

from dataclasses import dataclass

from app.models.enums import MotionStatus, Province, Title, Visibility

DEMO_PASSWORD = "plein-demo-2026"
DEMO_DOMAIN = "example.org"  # reserved for examples: no demo mail can reach a real person
SEED = 2026

ADMIN_EMAIL = f"beheer@{DEMO_DOMAIN}"
MANAGER_EMAIL = f"community@{DEMO_DOMAIN}"

DEMO_LOGINS: list[tuple[str, str]] = [
    ("admin", ADMIN_EMAIL),
    ("community manager", MANAGER_EMAIL),
    ("raadslid Alkmaar", f"anna.devries@{DEMO_DOMAIN}"),
    ("wethouder Delft", f"pieter.bakker@{DEMO_DOMAIN}"),
    ("statenlid Gelderland", f"fatima.elamrani@{DEMO_DOMAIN}"),
]

# --- the country ---------------------------------------------------------------------------------


# (municipality, province, weight): the weight makes big cities get more members.
MUNICIPALITIES: list[tuple[str, Province, int]] = [
    ("Groningen", Province.groningen, 4), ("Het Hogeland", Province.groningen, 1),
    ("Leeuwarden", Province.friesland, 3), ("Súdwest-Fryslân", Province.friesland, 1),
    ("Heerenveen", Province.friesland, 1),
    ("Assen", Province.drenthe, 2), ("Emmen", Province.drenthe, 2),
    ("Zwolle", Province.overijssel, 3), ("Enschede", Province.overijssel, 3), ("Deventer", Province.overijssel, 2),
    ("Almere", Province.flevoland, 3), ("Lelystad", Province.flevoland, 2),
    ("Arnhem", Province.gelderland, 3), ("Nijmegen", Province.gelderland, 4), ("Apeldoorn", Province.gelderland, 3),
    ("Ede", Province.gelderland, 2),
    ("Utrecht", Province.utrecht, 5), ("Amersfoort", Province.utrecht, 3), ("Zeist", Province.utrecht, 1),
    ("Amsterdam", Province.noord_holland, 6), ("Haarlem", Province.noord_holland, 3),
    ("Alkmaar", Province.noord_holland, 2), ("Zaanstad", Province.noord_holland, 2),
    ("Hilversum", Province.noord_holland, 2),
    ("Rotterdam", Province.zuid_holland, 6), ("Den Haag", Province.zuid_holland, 5),
    ("Leiden", Province.zuid_holland, 3), ("Delft", Province.zuid_holland, 2), ("Dordrecht", Province.zuid_holland, 2),
    ("Middelburg", Province.zeeland, 1), ("Vlissingen", Province.zeeland, 1), ("Goes", Province.zeeland, 1),
    ("Eindhoven", Province.noord_brabant, 4), ("Tilburg", Province.noord_brabant, 3),
    ("Breda", Province.noord_brabant, 3), ("'s-Hertogenbosch", Province.noord_brabant, 3),
    ("Maastricht", Province.limburg, 3), ("Venlo", Province.limburg, 2), ("Heerlen", Province.limburg, 2),
]

PORTFOLIOS: list[str] = [
    "Duurzaamheid", "Zorg", "WMO", "Wonen", "Onderwijs", "Mobiliteit", "Financiën", "Veiligheid", "Jeugd",
    "Cultuur", "Economie", "Landbouw en natuur",
]

FIRST_NAMES = [
    "Anouk", "Bram", "Daan", "Emma", "Fleur", "Hanna", "Iris", "Jesse", "Kees", "Lieke", "Mohamed", "Noor",
    "Ozan", "Priya", "Ruben", "Sara", "Thijs", "Yasmina", "Wouter", "Zeynep", "Annelies", "Bas", "Carolien",
    "Dirk", "Esther", "Frank", "Gerrit", "Hester", "Ilse", "Joost", "Karin", "Luuk", "Marloes", "Niels",
    "Olga", "Pim", "Renske", "Sjoerd", "Tessa", "Vincent", "Willemijn", "Youssef", "Zoë", "Ahmed", "Beatrix",
    "Cor", "Debora", "Eline", "Femke", "Gijs", "Hatice", "Jan", "Jolanda", "Koen", "Linda", "Maarten",
    "Nadia", "Paul", "Rianne", "Stefan", "Tamara", "Ümit", "Wietske", "Yvonne", "Auke", "Baukje", "Chantal",
    "Dennis", "Ellen", "Floor", "Hamid", "Ingrid", "Jeroen", "Kim", "Lars", "Mirjam", "Nienke", "Rachid",
    "Sanne", "Tom", "Vera", "Wim", "Ilias", "Mei", "Ayşe", "Chloë", "Dewi", "Sem", "Julia", "Liam",
]
SURNAMES = [
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit",
    "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker",
    "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs",
    "de Haan", "Vermeulen", "van den Heuvel", "van der Veen", "van den Broek", "de Bruijn", "van der Heijden",
    "Schouten", "van Beek", "Willems", "van Vliet", "van de Ven", "Hoekstra", "Maas", "Verhoeven", "Koster",
    "van Dam", "van der Wal", "Prins", "Blom", "Huisman", "Postma", "el Idrissi", "Yılmaz", "Kaya",
    "Boukhari", "Ramdin", "Tjon A Fong", "Nguyen", "Haddou", "Wijnberg", "Kuipers", "Veenstra", "Zwart",
    "ter Horst", "Oosterhuis", "Bulut", "Sahin", "Pranger", "Terpstra", "Wolters", "Hermans",
]

TITLE_LABELS: dict[Title, str] = {
    Title.raadslid: "Raadslid", Title.wethouder: "Wethouder", Title.statenlid: "Statenlid",
    Title.gedeputeerde: "Gedeputeerde", Title.tweede_kamerlid: "Tweede Kamerlid",
    Title.eerste_kamerlid: "Eerste Kamerlid", Title.europarlementarier: "Europarlementariër",
    Title.burgemeester: "Burgemeester", Title.commissielid: "Commissielid", Title.bestuurder: "Bestuurslid",
    Title.medewerker: "Medewerker", Title.lid: "Lid",
}
# For members beyond each faction's first two councillors.
TITLE_WEIGHTS: list[tuple[Title, float]] = [
    (Title.raadslid, 30), (Title.wethouder, 10), (Title.commissielid, 12), (Title.statenlid, 9), (Title.lid, 14),
    (Title.bestuurder, 7), (Title.medewerker, 4), (Title.gedeputeerde, 2), (Title.tweede_kamerlid, 3),
    (Title.eerste_kamerlid, 1.5), (Title.europarlementarier, 0.5), (Title.burgemeester, 1),
]

MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december"]

# --- what people write ---------------------------------------------------------------------------

# A motion: title, "constaterende dat", "overwegende dat", "verzoekt het college".
MotionText = tuple[str, list[str], list[str], list[str]]
Text = tuple[str, str]
Topic = tuple[str, str, list[str]]  # title, body, the replies it gets


@dataclass(frozen=True)
class Theme:
    name: str
    description: str
    visibility: Visibility
    extra_channels: tuple[str, ...]
    discussions: list[Text]
    questions: list[Text]
    motions: list[MotionText]


THEMES: list[Theme] = [
    Theme(
        "Zorg", "Huisartsen, ziekenhuiszorg, GGZ en de zorgverzekeraar: wat gemeenten kunnen doen en wat we "
        "landelijk willen.", Visibility.open, ("Vragen",),
        discussions=[
            ("Huisartsentekort in kleine kernen",
             "In steeds meer dorpen vertrekt de laatste huisarts zonder opvolger. Bij ons gaat het om drie kernen "
             "waar ouderen nu twintig minuten moeten rijden.\n\nWat doen jullie gemeenten hieraan? Denk aan "
             "praktijkruimte via de gemeente, huisvesting voor jonge artsen of afspraken met de zorgverzekeraar."),
            ("Sluiting spoedeisende hulp: wat kan de raad doen?",
             "Het ziekenhuis in onze regio wil de SEH 's nachts sluiten. Formeel beslist de raad hier niet over, "
             "maar we willen wel iets doen. Ervaringen met een hoorzitting of een gezamenlijke brief van de "
             "gemeenten in de regio?"),
            ("Mantelzorgwaardering: geld of iets anders?",
             "Wij overwegen het mantelzorgcompliment te vervangen door **meer respijtzorg**. Mantelzorgers zeggen "
             "zelf vaak dat ze liever even ontlast worden dan een bon krijgen. Wie heeft hier ervaring mee?"),
        ],
        questions=[
            ("Wie heeft een goed voorbeeld van een gezondheidscentrum in een dorp?",
             "We willen als fractie voorstellen om in het oude gemeentehuis een gezondheidscentrum te vestigen: "
             "huisarts, fysiotherapie en wijkverpleging onder één dak. Welke gemeenten hebben dit al gedaan? "
             "Vooral benieuwd naar de financiering."),
            ("Positieve gezondheid in de gezondheidsnota: ervaringen?",
             "Het college wil *positieve gezondheid* als uitgangspunt nemen in de nieuwe nota. Klinkt mooi, maar "
             "wat betekent het concreet voor de begroting? Wie heeft hier als raadslid al mee gewerkt?"),
            ("Waar vind ik cijfers over wachttijden in de GGZ?",
             "Voor schriftelijke vragen zoek ik actuele cijfers over wachttijden in de GGZ in onze regio. Weet "
             "iemand waar die per zorgkantoorregio te vinden zijn?"),
        ],
        motions=[
            ("Motie: behoud van de huisartsenpost in de regio",
             ["de huisartsenpost in de regio 's nachts dreigt te sluiten;",
              "inwoners dan tot veertig minuten moeten reizen voor spoedeisende huisartsenzorg;"],
             ["goede spoedzorg dichtbij huis van levensbelang kan zijn;",
              "de gemeente invloed heeft via het overleg met zorgverzekeraar en huisartsen;"],
             ["samen met de buurgemeenten in overleg te gaan met de zorgverzekeraar over behoud van de post;",
              "de raad voor de zomer te informeren over de uitkomst;"]),
            ("Motie: gratis menstruatieproducten in openbare gebouwen",
             ["één op de tien meisjes weleens geen geld heeft voor menstruatieproducten;"],
             ["menstruatiearmoede leidt tot schoolverzuim en schaamte;",
              "gratis producten in openbare gebouwen een kleine, effectieve maatregel zijn;"],
             ["in het gemeentehuis, de bibliotheek en de sporthallen gratis menstruatieproducten aan te bieden;",
              "scholen te ondersteunen die hetzelfde willen doen;"]),
        ],
    ),
    Theme(
        "WMO", "Wet maatschappelijke ondersteuning: huishoudelijke hulp, hulpmiddelen, dagbesteding en de eigen "
        "bijdrage.", Visibility.open, ("Vragen",),
        discussions=[
            ("Abonnementstarief en de stijgende vraag naar huishoudelijke hulp",
             "Sinds het abonnementstarief stijgt de vraag naar huishoudelijke hulp elk jaar. Het college denkt aan "
             "een inkomensgrens. Is dat rechtvaardig, of raken we dan juist de middeninkomens?"),
            ("Keukentafelgesprekken: hoe borg je de kwaliteit?",
             "Uit een cliëntervaringsonderzoek blijkt dat veel mensen het keukentafelgesprek als een afvinklijst "
             "ervaren. Hoe houden jullie als raad zicht op de kwaliteit van de toegang?"),
            ("Dagbesteding dichtbij huis",
             "Onze gemeente wil de dagbesteding concentreren op twee locaties. Goedkoper, maar voor mensen in de "
             "kleine kernen betekent het lang in de taxi zitten. Hoe wegen jullie dat af?"),
        ],
        questions=[
            ("Hoe is onafhankelijke cliëntondersteuning bij jullie geregeld?",
             "Volgens de wet moet iedereen die ondersteuning vraagt gewezen worden op gratis onafhankelijke "
             "cliëntondersteuning. In de praktijk weet bijna niemand dat het bestaat. Hoe is dit bij jullie "
             "georganiseerd?"),
            ("Eigen bijdrage voor een scootmobiel: mag de gemeente dat zelf bepalen?",
             "Klopt het dat gemeenten zelf mogen bepalen of er een eigen bijdrage wordt gevraagd voor "
             "hulpmiddelen zoals een scootmobiel? Ik krijg tegenstrijdige antwoorden."),
            ("Wachttijden bij woningaanpassingen",
             "Bij ons wachten mensen soms een half jaar op een traplift. Welke gemeenten hebben dit versneld, "
             "en hoe?"),
        ],
        motions=[
            ("Motie: geen inkomensgrens voor huishoudelijke hulp",
             ["het college voorstelt een inkomensgrens in te voeren voor huishoudelijke hulp;"],
             ["huishoudelijke hulp ouderen helpt langer zelfstandig thuis te wonen;",
              "een inkomensgrens leidt tot extra bureaucratie en zorgmijding;"],
             ["af te zien van een inkomensgrens voor huishoudelijke hulp;",
              "te onderzoeken hoe de uitvoering efficiënter kan zonder de toegang te beperken;"]),
            ("Motie: onafhankelijke cliëntondersteuning zichtbaar maken",
             ["weinig inwoners weten dat zij recht hebben op gratis onafhankelijke cliëntondersteuning;"],
             ["een goede ondersteuner het verschil maakt aan de keukentafel;"],
             ["in iedere beschikking en uitnodiging voor een gesprek op deze ondersteuning te wijzen;",
              "jaarlijks te rapporteren hoe vaak er gebruik van wordt gemaakt;"]),
        ],
    ),
    Theme(
        "Duurzaamheid", "Energietransitie, warmtenetten, zonnepanelen, klimaatadaptatie en groen in de wijk.",
        Visibility.open, ("Moties",),
        discussions=[
            ("Warmtenet: wie wordt eigenaar?",
             "De Wet collectieve warmte wil dat warmtebedrijven in publieke handen komen. Hoe kijken jullie "
             "daarnaar? Bij ons is de vraag of de gemeente zelf moet deelnemen in het warmtebedrijf."),
            ("Zonnepanelen op sportaccommodaties",
             "Veel sportclubs hebben grote daken en hoge energierekeningen. Wij willen een regeling waarbij de "
             "gemeente de investering voorschiet. Wie heeft dit al gedaan, en hoe ging het met de aansluiting op "
             "het net?"),
            ("Klimaatadaptatie: tegels eruit, groen erin",
             "Na de wateroverlast van afgelopen zomer willen we inzetten op ontharding. Tegeltuinacties werken, "
             "maar de grootste verharding ligt op bedrijventerreinen. Ideeën?"),
        ],
        questions=[
            ("Energiearmoede: welke aanpak werkt echt?",
             "We hebben geld voor de aanpak van energiearmoede. Wie heeft goede ervaringen met energiecoaches, "
             "een fixbrigade of gratis isolatiemateriaal? Wat bereikt echt de huishoudens die het nodig hebben?"),
            ("Netcongestie en nieuwe bedrijventerreinen",
             "Onze netbeheerder zegt dat nieuwe bedrijven jaren moeten wachten op een aansluiting. Hoe gaan "
             "jullie gemeenten hiermee om in de ruimtelijke plannen?"),
            ("Hoe houd je de raad betrokken bij de Regionale Energiestrategie?",
             "De RES wordt in de regio gemaakt en komt pas aan het eind in de raad. Hoe zorgen jullie dat de "
             "raad eerder invloed heeft?"),
        ],
        motions=[
            ("Motie: zonnepanelen op alle geschikte gemeentelijke daken",
             ["nog geen derde van de geschikte gemeentelijke daken zonnepanelen heeft;"],
             ["de gemeente het goede voorbeeld moet geven;",
              "zonnepanelen op eigen daken zich binnen tien jaar terugverdienen;"],
             ["binnen twee jaar alle geschikte gemeentelijke daken van zonnepanelen te voorzien;",
              "daarbij waar mogelijk samen te werken met de lokale energiecoöperatie;"]),
            ("Motie: een fixbrigade tegen energiearmoede",
             ["duizenden huishoudens in onze gemeente een te hoge energierekening hebben;"],
             ["kleine maatregelen als tochtstrips en radiatorfolie snel en goedkoop resultaat geven;"],
             ["een fixbrigade in te zetten die huishoudens met een laag inkomen gratis helpt;",
              "daarbij samen te werken met de woningcorporaties;"]),
        ],
    ),
    Theme(
        "Wonen", "Betaalbare woningen, woningcorporaties, huurbescherming en bouwen voor starters.",
        Visibility.open, ("Moties",),
        discussions=[
            ("Woningdelen en hospitaverhuur stimuleren",
             "Veel ouderen wonen alleen in een te groot huis, terwijl jongeren niets kunnen vinden. Hospitaverhuur "
             "kan helpen, maar de regels (kostendelersnorm!) schrikken af. Hoe pakken jullie dit aan?"),
            ("Prestatieafspraken met de corporatie",
             "Dit jaar maken we nieuwe prestatieafspraken. Welke afspraken hebben bij jullie echt verschil "
             "gemaakt? Ik denk aan verduurzaming, woningtoewijzing en huisuitzettingen."),
            ("Flexwonen voor spoedzoekers",
             "Wij willen tijdelijke woningen voor mensen die acuut een huis nodig hebben: na een scheiding, "
             "statushouders, jongeren uit de jeugdzorg. Ervaringen met locaties en draagvlak in de buurt?"),
        ],
        questions=[
            ("Doelgroepenverordening: wie heeft er al een?",
             "We willen een doelgroepenverordening zodat nieuwe sociale huur- en middenhuurwoningen ook echt "
             "betaalbaar blijven. Wie heeft er al een, en zijn er juridische haken en ogen?"),
            ("Opkoopbescherming: werkt het?",
             "Twee jaar na invoering van de opkoopbescherming willen we evalueren. Hebben jullie cijfers over "
             "het effect op het aantal woningen dat naar beleggers gaat?"),
            ("Hoe help je ouderen naar een passende woning?",
             "Doorstroming komt niet op gang omdat er weinig geschikte seniorenwoningen zijn en verhuizen duur "
             "is. Welke regelingen werken bij jullie?"),
        ],
        motions=[
            ("Motie: opkoopbescherming voor betaalbare koopwoningen",
             ["beleggers in sommige wijken een op de vijf vrijkomende koopwoningen opkopen;"],
             ["starters en middeninkomens daardoor kansloos zijn op de woningmarkt;",
              "de Huisvestingswet gemeenten de mogelijkheid geeft tot opkoopbescherming;"],
             ["opkoopbescherming in te voeren voor woningen tot de NHG-grens;",
              "na twee jaar de effecten aan de raad te rapporteren;"]),
            ("Motie: dertig procent sociale huur in elk nieuwbouwproject",
             ["de wachttijd voor een sociale huurwoning is opgelopen tot meer dan acht jaar;"],
             ["gemengde wijken beter zijn voor iedereen;"],
             ["in elk nieuwbouwproject van meer dan twintig woningen ten minste dertig procent sociale huur op "
              "te nemen;", "afwijkingen alleen toe te staan na besluit van de raad;"]),
        ],
    ),
    Theme(
        "Onderwijs", "Schoolgebouwen, kansengelijkheid, laaggeletterdheid en het mbo.", Visibility.open, ("Vragen",),
        discussions=[
            ("Integraal huisvestingsplan scholen",
             "Veel schoolgebouwen zijn verouderd en slecht geventileerd. Het IHP vraagt tientallen miljoenen. "
             "Hoe maken jullie keuzes: eerst de slechtste gebouwen, of eerst de scholen in kwetsbare wijken?"),
            ("Laaggeletterdheid aanpakken via de bibliotheek",
             "In onze gemeente is één op de acht volwassenen laaggeletterd. Het Taalhuis in de bibliotheek doet "
             "goed werk, maar bereikt vooral mensen die zelf komen. Hoe vinden jullie de rest?"),
            ("Gratis schoolontbijt",
             "Leerkrachten zien steeds vaker kinderen zonder ontbijt in de klas. Wie heeft een schoolontbijt "
             "georganiseerd, en wie betaalt het?"),
        ],
        questions=[
            ("Leerlingenvervoer: hoe is het bij jullie geregeld?",
             "Ouders klagen over wisselende chauffeurs en lange ritten. Welke gemeenten hebben het "
             "leerlingenvervoer goed aanbesteed?"),
            ("Brede brugklassen behouden: wat kan de gemeente?",
             "Twee scholen bij ons willen stoppen met de brede brugklas. Heeft de gemeente hier iets over te "
             "zeggen, bijvoorbeeld via de lokale educatieve agenda?"),
            ("Stagediscriminatie in het mbo",
             "Mbo-studenten met een migratieachtergrond vinden moeilijker een stage. Wat doen jullie gemeenten "
             "samen met de werkgevers?"),
        ],
        motions=[
            ("Motie: gezonde en duurzame schoolgebouwen",
             ["een groot deel van de schoolgebouwen niet voldoet aan de normen voor ventilatie;"],
             ["kinderen in een gezond gebouw beter leren;"],
             ["in het integraal huisvestingsplan voorrang te geven aan de scholen met het slechtste binnenklimaat;",
              "de raad jaarlijks over de voortgang te informeren;"]),
            ("Motie: schoolontbijt in kwetsbare wijken",
             ["steeds meer kinderen zonder ontbijt naar school gaan;"],
             ["kinderen met honger zich niet kunnen concentreren;"],
             ["samen met scholen en het Jeugdeducatiefonds een gratis schoolontbijt aan te bieden in de wijken "
              "waar dat nodig is;"]),
        ],
    ),
    Theme(
        "Mobiliteit", "Openbaar vervoer, fietspaden, verkeersveiligheid en de bereikbaarheid van dorpen.",
        Visibility.open, (),
        discussions=[
            ("Buslijnen geschrapt: wat nu?",
             "De vervoerder schrapt drie buslijnen in onze dorpen. De provincie zegt dat het aan de vervoerder "
             "ligt, de vervoerder wijst naar de provincie. Hoe hebben jullie dit aangepakt?"),
            ("30 km/u binnen de bebouwde kom",
             "Steeds meer steden voeren 30 km/u in als norm. Bij ons is er veel discussie over de "
             "doorgaande wegen. Hoe hebben jullie inwoners meegenomen?"),
            ("Deelauto's in de wijk",
             "We willen parkeerplekken omzetten naar plekken voor deelauto's. Ervaringen met aanbieders en met "
             "het draagvlak in de buurt?"),
        ],
        questions=[
            ("Wie heeft ervaring met een buurtbus?",
             "Nu de gewone bus verdwijnt, kijken we naar een buurtbus met vrijwillige chauffeurs. Hoe vind je "
             "genoeg vrijwilligers, en wie betaalt de bus?"),
            ("Fietsparkeren bij het station",
             "De stalling bij ons station zit elke ochtend vol. Wie heeft een goede oplossing gevonden, en hoe "
             "verdeel je de kosten met ProRail en NS?"),
            ("Schoolzones: kosten en effect?",
             "We willen bij alle basisscholen een schoolzone. Heeft iemand een overzicht van de kosten en het "
             "effect op de verkeersveiligheid?"),
        ],
        motions=[
            ("Motie: 30 km/u als norm in de bebouwde kom",
             ["er in onze gemeente jaarlijks tientallen verkeersslachtoffers vallen binnen de bebouwde kom;"],
             ["de kans op ernstig letsel bij 30 km/u veel kleiner is dan bij 50 km/u;"],
             ["30 km/u de norm te maken binnen de bebouwde kom, met uitzondering van de hoofdroutes;",
              "de inrichting van wegen daarop stap voor stap aan te passen;"]),
            ("Motie: behoud van de buurtbus",
             ["de buurtbus voor veel ouderen in de kleine kernen de enige verbinding is;"],
             ["de vereniging van vrijwilligers financieel in zwaar weer verkeert;"],
             ["de buurtbusvereniging voor drie jaar een vaste bijdrage toe te kennen;"]),
        ],
    ),
    Theme(
        "Financiën", "Begroting, gemeentefonds, lokale lasten en de jaarrekening. Besloten groep voor "
        "woordvoerders financiën.", Visibility.closed, (),
        discussions=[
            ("Het ravijnjaar: hoe gaan we om met de bezuinigingen?",
             "Door de lagere uitkering uit het gemeentefonds moeten we flink bezuinigen. Welke principes hanteren "
             "jullie? Wij willen in elk geval **niet** aan het minimabeleid komen."),
            ("OZB-verhoging of bezuinigen?",
             "De coalitie wil de OZB met tien procent verhogen. Wij twijfelen: liever lasten omhoog dan "
             "voorzieningen dicht? Hoe voeren jullie dit debat?"),
            ("Reservepositie en weerstandsvermogen",
             "Onze gemeente heeft een ratio weerstandsvermogen van 2,3. Het college wil reserves inzetten voor "
             "incidentele tekorten. Verstandig, of uitstel van het probleem?"),
        ],
        questions=[
            ("Hoe lees je een meerjarenraming kritisch?",
             "Ik ben nieuw als woordvoerder financiën. Waar moet ik op letten in de meerjarenraming? Tips voor "
             "de eerste begrotingsbehandeling zijn welkom."),
            ("Toeristenbelasting: welke tarieven hanteren jullie?",
             "We willen de toeristenbelasting omzetten naar een percentage van de overnachtingsprijs. Wie heeft "
             "dit al gedaan?"),
            ("Zicht op de financiën van verbonden partijen",
             "De gemeenschappelijke regelingen kosten steeds meer. Hoe houden jullie als raad grip op de "
             "begrotingen van de veiligheidsregio en de GGD?"),
        ],
        motions=[
            ("Motie: geen bezuiniging op het minimabeleid",
             ["het college bezuinigingen voorstelt op de bijzondere bijstand en het kindpakket;"],
             ["juist huishoudens met een laag inkomen het hardst geraakt worden door de gestegen kosten;"],
             ["de voorgestelde bezuinigingen op het minimabeleid te schrappen;",
              "alternatieve dekking te zoeken binnen de algemene reserve;"]),
            ("Motie: de begroting in begrijpelijke taal",
             ["de begroting voor veel inwoners en raadsleden nauwelijks leesbaar is;"],
             ["transparantie begint bij begrijpelijkheid;"],
             ["bij de begroting een publieksversie van maximaal tien pagina's te maken, op B1-niveau;"]),
        ],
    ),
    Theme(
        "Veiligheid", "Politie, handhaving, ondermijning en de rol van de burgemeester. Besloten groep voor "
        "woordvoerders.", Visibility.closed, (),
        discussions=[
            ("Cameratoezicht in het uitgaansgebied",
             "De burgemeester wil extra camera's in het uitgaansgebied. Wij zijn kritisch: wat is het bewezen "
             "effect, en hoe lang worden beelden bewaard?"),
            ("Ondermijning op bedrijventerreinen",
             "Na een drugslab op een bedrijventerrein wil het college meer controles. Hoe werken jullie samen "
             "met het RIEC en de ondernemers?"),
            ("Boa's: meer handhaving of meer wijkgericht werken?",
             "Onze boa's worden steeds vaker ingezet voor taken die eigenlijk bij de politie horen. Hoe kijken "
             "jullie naar de rol van de boa?"),
        ],
        questions=[
            ("Vuurwerkverbod: ervaringen met de handhaving?",
             "We overwegen een algeheel vuurwerkverbod. Hoe hebben jullie de handhaving georganiseerd, en hoe "
             "ging de eerste jaarwisseling?"),
            ("Beleid voor buurtpreventie-apps",
             "Buurtapps helpen, maar leiden soms tot eigenrichting. Heeft iemand een goed voorbeeld van "
             "afspraken tussen gemeente, politie en de beheerders van de apps?"),
            ("Wat doet de gemeente bij verwarde personen?",
             "Het aantal meldingen over personen met verward gedrag stijgt. Welke aanpak werkt bij jullie, "
             "bijvoorbeeld een meldpunt of een straatteam?"),
        ],
        motions=[
            ("Motie: lokaal vuurwerkverbod met een centrale vuurwerkshow",
             ["er elke jaarwisseling gewonden vallen en hulpverleners worden belaagd;"],
             ["een centrale vuurwerkshow de feestvreugde behoudt;"],
             ["een vuurwerkverbod in te voeren, met uitzondering van een georganiseerde vuurwerkshow;",
              "de handhaving daarop tijdig met politie en boa's voor te bereiden;"]),
            ("Motie: wijkagenten zichtbaar in de wijk",
             ["wijkagenten steeds vaker worden ingezet voor andere taken;"],
             ["een bekende wijkagent het vertrouwen van inwoners vergroot;"],
             ["de burgemeester te verzoeken in de driehoek te pleiten voor minimaal tachtig procent inzet van "
              "wijkagenten in hun eigen wijk;"]),
        ],
    ),
    Theme(
        "Jeugd", "Jeugdzorg, jongerenwerk, jeugdparticipatie en de jeugdhulpregio.", Visibility.open, (),
        discussions=[
            ("Jeugdzorg: de regio en de kosten",
             "De kosten van de jeugdzorg blijven stijgen en de regio vraagt opnieuw om extra geld. Hoe houden "
             "jullie grip, zonder dat kinderen de dupe worden?"),
            ("Jongerenwerk in de avonduren",
             "Jongeren zeggen dat er 's avonds niets te doen is. Het jongerenwerk stopt om vijf uur. Wie heeft "
             "het jongerenwerk uitgebreid naar de avond en het weekend?"),
            ("Kinderraad of jongerenraad?",
             "We willen jongeren meer stem geven. Wat werkt beter: een kinderraad, een jongerenraad of een "
             "jongerenpanel bij concrete besluiten?"),
        ],
        questions=[
            ("Wachtlijsten jeugd-GGZ: wat doen jullie in de tussentijd?",
             "Kinderen wachten soms een jaar op behandeling. Welke overbruggingszorg hebben jullie geregeld?"),
            ("Praktijkondersteuner jeugd bij de huisarts",
             "Wie heeft ervaring met een praktijkondersteuner jeugd bij de huisarts? Levert het echt minder "
             "verwijzingen naar specialistische zorg op?"),
            ("Sport- en cultuurfonds voor kinderen",
             "Hoe zorgen jullie dat kinderen uit gezinnen met weinig geld kunnen sporten en op muziekles "
             "kunnen? Welke regeling is het minst bureaucratisch?"),
        ],
        motions=[
            ("Motie: een jongerenraad met echte invloed",
             ["jongeren nauwelijks betrokken worden bij besluiten die hen aangaan;"],
             ["jongeren de toekomst van de gemeente zijn;"],
             ["een jongerenraad in te stellen met een eigen budget en een gevraagd en ongevraagd adviesrecht;"]),
            ("Motie: een praktijkondersteuner jeugd bij elke huisartsenpraktijk",
             ["het aantal verwijzingen naar specialistische jeugdhulp blijft stijgen;"],
             ["een praktijkondersteuner jeugd lichte problemen vroeg kan oppakken;"],
             ["met de huisartsen afspraken te maken over een praktijkondersteuner jeugd in elke praktijk;"]),
        ],
    ),
    Theme(
        "Cultuur", "Bibliotheken, poppodia, erfgoed en cultuureducatie.", Visibility.open, (),
        discussions=[
            ("Een bibliotheek in elke kern",
             "Onze bibliotheek wil twee vestigingen sluiten. Wij vinden dat elke kern een bibliotheek verdient, "
             "desnoods in een multifunctioneel centrum. Hoe hebben jullie dit opgelost?"),
            ("Poppodium in financiële problemen",
             "Ons poppodium dreigt failliet te gaan door hogere energiekosten. De gemeente is geen bank, maar een "
             "stad zonder podium is ook niks. Wie heeft een goede constructie gevonden?"),
            ("Erfgoed en verduurzaming",
             "Eigenaren van monumenten lopen vast als ze willen verduurzamen. Welke gemeenten helpen met advies "
             "of een subsidieregeling?"),
        ],
        questions=[
            ("Cultuurcoach in het onderwijs: wie heeft er een?",
             "Wij denken aan een cultuurcoach die scholen helpt met cultuureducatie. Ervaringen met de "
             "combinatiefunctie en de cofinanciering?"),
            ("Kunst in de openbare ruimte: een percentageregeling?",
             "Sommige gemeenten reserveren een procent van elk bouwbudget voor kunst. Is dat bij jullie "
             "geregeld?"),
            ("Subsidiebeleid voor de amateurkunst",
             "Koren en harmonieën verliezen leden en subsidie. Hoe ondersteunen jullie de amateurkunst?"),
        ],
        motions=[
            ("Motie: behoud van de bibliotheekvestigingen",
             ["de bibliotheek voorstelt twee vestigingen te sluiten;"],
             ["de bibliotheek een belangrijke rol speelt bij laaggeletterdheid en digitale inclusie;"],
             ["met de bibliotheek te zoeken naar behoud van de vestigingen, eventueel in een "
              "multifunctioneel centrum;"]),
            ("Motie: een cultuurpas voor minima",
             ["cultuur voor veel huishoudens met een laag inkomen onbetaalbaar is;"],
             ["meedoen aan cultuur bijdraagt aan welzijn en ontmoeting;"],
             ["een cultuurpas in te voeren voor inwoners met een inkomen tot 130 procent van het sociaal "
              "minimum;"]),
        ],
    ),
]

# Motions any faction might write; {gemeente} is the faction's municipality.
FACTION_MOTIONS: list[MotionText] = [
    ("Motie: watertappunten in het centrum van {gemeente}",
     ["er in het centrum van {gemeente} nauwelijks gratis drinkwater beschikbaar is;"],
     ["kraanwater gezond is en plastic flesjes vervuilen;"],
     ["samen met het waterbedrijf ten minste vijf watertappunten te plaatsen;"]),
    ("Motie: speeltuinen toegankelijk voor alle kinderen",
     ["slechts een handvol speeltuinen in {gemeente} geschikt is voor kinderen met een beperking;"],
     ["elk kind moet kunnen spelen;"],
     ["bij vervanging van speeltoestellen standaard te kiezen voor inclusieve toestellen;",
      "in elke wijk binnen vijf jaar een inclusieve speeltuin te realiseren;"]),
    ("Motie: bankjes langs de wandelroutes",
     ["ouderen aangeven dat zij minder gaan wandelen omdat er onderweg geen plek is om te rusten;"],
     ["bewegen bijdraagt aan gezond ouder worden;"],
     ["in overleg met de seniorenraad langs de belangrijkste wandelroutes bankjes te plaatsen;"]),
    ("Motie: gratis zwemles voor kinderen uit minimagezinnen",
     ["een deel van de kinderen in {gemeente} de basisschool verlaat zonder zwemdiploma;"],
     ["zwemmen een levensreddende vaardigheid is;"],
     ["kinderen uit gezinnen met een laag inkomen gratis zwemles aan te bieden tot en met diploma B;"]),
    ("Motie: groene schoolpleinen",
     ["veel schoolpleinen in {gemeente} volledig betegeld zijn;"],
     ["groene schoolpleinen beter zijn voor spel, gezondheid en het opvangen van regenwater;"],
     ["een subsidieregeling op te zetten voor scholen die hun plein willen vergroenen;"]),
    ("Motie: een veilige fietsroute naar het voortgezet onderwijs",
     ["scholieren uit de kernen over een drukke provinciale weg naar school fietsen;"],
     ["ouders zich al jaren zorgen maken over de veiligheid;"],
     ["samen met de provincie een vrijliggend fietspad te realiseren;",
      "tot die tijd tijdelijke maatregelen te nemen bij de gevaarlijkste kruisingen;"]),
    ("Motie: schuldhulp zonder drempels",
     ["inwoners met geldzorgen gemiddeld pas na vijf jaar hulp zoeken;"],
     ["vroegsignalering en laagdrempelige hulp escalatie van schulden voorkomen;"],
     ["een inloopspreekuur voor geldzorgen te openen in elke wijk;",
      "de afspraken over vroegsignalering met verhuurders en energieleveranciers uit te breiden;"]),
    ("Motie: openbare toiletten in het centrum",
     ["er in {gemeente} te weinig openbare toiletten zijn, zeker voor vrouwen en mensen met een beperking;"],
     ["de Hoge Nood-app laat zien dat ondernemers willen meedoen;"],
     ["samen met ondernemers binnen een jaar een dekkend netwerk van openbare toiletten te realiseren;"]),
    ("Motie: ruimte voor tiny houses",
     ["er in {gemeente} veel belangstelling is voor kleine, duurzame woningen;"],
     ["tiny houses een aanvulling kunnen zijn voor starters en alleenstaanden;"],
     ["een tijdelijke locatie aan te wijzen voor een pilot met tiny houses;"]),
    ("Motie: de regenboogvlag op Coming Out Day",
     ["acceptatie van lhbtiq+-personen niet vanzelf gaat;"],
     ["de gemeente een zichtbaar signaal kan geven;"],
     ["op Coming Out Day de regenboogvlag te hijsen bij het gemeentehuis;",
      "de gemeente aan te laten sluiten bij de Regenboogsteden;"]),
    ("Motie: betere handhaving van de afvalinzameling",
     ["inwoners klagen over overvolle containers en bijplaatsingen in hun straat;"],
     ["een schone buurt bijdraagt aan het woongenot;"],
     ["de ledigingsfrequentie in de drukste wijken te verhogen;",
      "meldingen binnen 48 uur op te volgen;"]),
    ("Motie: een onderzoek naar een warmtenet in de oude wijken",
     ["de oude wijken van {gemeente} moeilijk zelfstandig van het gas af kunnen;"],
     ["een warmtenet voor deze wijken een betaalbaar alternatief kan zijn;"],
     ["een haalbaarheidsonderzoek te laten doen naar een warmtenet, met publieke zeggenschap;"]),
    ("Motie: het minimabeleid verruimen naar 130 procent",
     ["de inkomensgrens voor het minimabeleid in {gemeente} op 110 procent van het sociaal minimum ligt;"],
     ["veel werkende armen net buiten de regelingen vallen;"],
     ["de inkomensgrens te verhogen naar 130 procent van het sociaal minimum;"]),
    ("Motie: een maatschappelijke stage bij de gemeente",
     ["jongeren in {gemeente} weinig kennis hebben van wat de gemeente doet;"],
     ["een stage interesse in de lokale democratie kan wekken;"],
     ["jaarlijks maatschappelijke stageplaatsen bij de gemeente aan te bieden aan scholieren;"]),
]

FACTION_DISCUSSIONS: list[Text] = [
    ("Voorbereiding begrotingsbehandeling",
     "Volgende maand is de begrotingsbehandeling. Ik stel voor dat ieder voor vrijdag de **drie belangrijkste "
     "punten** uit zijn portefeuille aanlevert. Dan maak ik er een algemene beschouwing van."),
    ("Agenda fractievergadering",
     "Voorstel voor de agenda van maandag:\n\n1. Stukken voor de raadsvergadering\n2. Moties en amendementen\n"
     "3. Terugkoppeling commissies\n4. Rondvraag\n\nAanvullingen graag hier."),
    ("Terugblik op de raadsvergadering",
     "Wat een lange vergadering! Wat ging goed, wat kan beter? Ik vond ons debat over het woningbouwprogramma "
     "sterk, maar we hadden bij het parkeerbeleid beter kunnen afstemmen."),
    ("Werkbezoek aan de woningcorporatie",
     "De corporatie nodigt ons uit voor een werkbezoek aan het renovatieproject in de wijk. Wie gaat er mee? "
     "Het is op een donderdagmiddag."),
    ("Reactie op de kadernota",
     "Het college heeft de kadernota gepubliceerd. Eerste indruk: veel ambitie, weinig dekking. Zullen we een "
     "gezamenlijke reactie voorbereiden voor de pers?"),
    ("Schriftelijke vragen over de sluiting van het zwembad",
     "Het college overweegt het zwembad te sluiten. Ik wil schriftelijke vragen stellen over de alternatieven "
     "voor scholen en verenigingen. Conceptvragen volgen, wie leest mee?"),
    ("Inbreng voor de commissie Ruimte",
     "Donderdag staat de omgevingsvisie in de commissie. Ik wil inzetten op betaalbaar wonen en groen in de "
     "wijken. Aanvullingen of punten waar jullie juist geen ruimte zien?"),
    ("Gesprek met de wijkraden",
     "Een aantal wijkraden voelt zich niet gehoord. Zullen we een avond organiseren waarin we alleen luisteren? "
     "Ik denk aan een informele bijeenkomst in het buurthuis."),
]

FACTION_QUESTIONS: list[Text] = [
    ("Wie gaat naar de informatieavond over de omgevingsvisie?",
     "De gemeente organiseert een informatieavond voor raadsleden. Ik kan zelf niet. Wie kan gaan en een kort "
     "verslag delen?"),
    ("Wie doet de inbreng bij de commissie Sociaal Domein?",
     "De vaste woordvoerder is met vakantie. Wie kan de inbreng over de herijking van de subsidies doen?"),
    ("Hebben we al een standpunt over de nieuwe parkeertarieven?",
     "Inwoners vragen ernaar op social media. Hebben we hier al een lijn over afgesproken, of moeten we dat "
     "eerst bespreken?"),
    ("Heeft iemand de stukken over de gemeenschappelijke regeling gelezen?",
     "De zienswijze op de begroting van de GR moet voor de twintigste binnen zijn. Wie heeft de stukken "
     "doorgenomen en wil een conceptreactie schrijven?"),
]

# Threads with replies of their own: a call to a meeting is not answered like a policy question.
PROVINCE_THREADS: list[Topic] = [
    ("Regiobijeenkomst {provincie}: wie komt er?",
     "Op zaterdag organiseren we een regiobijeenkomst voor alle raadsleden, wethouders en Statenleden in "
     "{provincie}. Op het programma: de provinciale begroting, het openbaar vervoer en een workshop debatteren. "
     "Laat even weten of je komt!",
     ["Ik kom!", "Ik ben erbij en neem twee nieuwe raadsleden mee.",
      "Helaas, die dag heb ik een raadsvergadering. Komt er een verslag?", "Leuk! Kun je ook online meedoen?",
      "Ik kom, en ik vertel graag iets over onze aanpak in {gemeente}.", "Aangemeld. Tot zaterdag!"]),
    ("Samenwerking tussen de fracties in {provincie}",
     "Veel onderwerpen spelen in meerdere gemeenten tegelijk: de RES, de jeugdzorgregio, het busvervoer. "
     "Zullen we elk kwartaal een online overleg houden tussen de fractievoorzitters?",
     ["Goed idee. Eén keer per kwartaal is goed te doen.",
      "Graag! Vooral in de jeugdzorgregio hebben we elkaar nodig.",
      "Eens, maar laten we het kort houden: een uur, met een vaste agenda.",
      "Ik stel voor dat een van de Statenleden het overleg voorzit.", "Ik doe mee namens {gemeente}."]),
    ("Statenvragen over het openbaar vervoer in {provincie}",
     "Na de nieuwe dienstregeling komen er veel klachten binnen over verdwenen buslijnen. We bereiden "
     "Statenvragen voor. Hebben jullie voorbeelden uit jullie gemeente? Dan nemen we die mee.",
     ["In {gemeente} is de avondbus verdwenen. Scholieren kunnen niet meer naar hun bijbaan.",
      "Bij ons rijdt de buurtbus nu vaker, maar alleen overdag.",
      "Goed dat jullie dit doen! Vraag ook naar de vervoersarmoede in de dorpen.",
      "In {gemeente} hebben we schriftelijke vragen gesteld; ik stuur je de antwoorden.",
      "Dank! Ik deel het in onze lokale nieuwsbrief."]),
]

WORKING_GROUP_THREADS: list[Text] = [
    ("Welke wijk eerst van het gas af?",
     "In de transitievisie warmte moet de raad kiezen welke wijken als eerste aan de beurt zijn. Wij stellen "
     "voor te beginnen waar de corporatie toch al gaat renoveren. Zo voorkom je dat huurders twee keer "
     "overlast hebben."),
    ("Handreiking voor raadsleden over de transitievisie warmte",
     "We werken aan een korte handreiking: welke vragen stel je als raadslid bij de transitievisie warmte? "
     "Het concept staat hieronder. Aanvullingen welkom!\n\n- Wat kost het de bewoner per maand?\n- Wie is "
     "eigenaar van het warmtenet?\n- Hoe worden bewoners betrokken?"),
    ("Betaalbaarheid van warmtenetten",
     "Het tarief van een warmtenet is nu nog gekoppeld aan de gasprijs. Wat betekent de nieuwe wet voor de "
     "rekening van bewoners? Wie heeft hier een goed overzicht van?"),
]

BOARD_REPLIES = [
    "Akkoord.", "Graag ook de vacature van de secretaris noemen.",
    "Eens. Zullen we het eerst met de afdelingen delen?",
    "Kunnen we de cijfers van vorig jaar ernaast zien?", "Ik heb een paar tekstuele opmerkingen; die mail ik je.",
    "Prima, dan zet ik het op de agenda van de volgende vergadering.",
]
BOARD_THREADS: list[Topic] = [
    ("Concept-agenda ledenvergadering",
     "Hierbij de concept-agenda voor de ledenvergadering. Graag reacties voor vrijdag, dan gaat de agenda "
     "naar de leden.\n\n1. Opening\n2. Jaarverslag\n3. Financieel verslag en kascommissie\n4. Verkiezing "
     "bestuursleden\n5. Rondvraag", BOARD_REPLIES),
    ("Kandidatencommissie: planning",
     "De kandidatencommissie wil in het voorjaar starten met de gesprekken. Zullen we de profielschets in de "
     "volgende vergadering vaststellen?", BOARD_REPLIES),
    ("Begroting van de partij",
     "De contributie-inkomsten lopen iets terug. De penningmeester stelt voor om meer te investeren in "
     "ledenwerving en minder in drukwerk. Graag jullie reactie.", BOARD_REPLIES),
]

GENERIC_REPLIES: list[str] = [
    "Goed punt. Bij ons in {gemeente} lopen we tegen precies hetzelfde aan.",
    "Dank voor het delen! Ik neem dit mee naar onze fractievergadering.",
    "Interessant. Heb je ook cijfers over hoeveel inwoners het betreft?",
    "Eens. Wel goed om vooraf met de ambtenaren te checken wat juridisch kan.",
    "In {gemeente} hebben we hier een werkbezoek over gehad. Het loont om de uitvoerders zelf aan het woord "
    "te laten.",
    "Ik zou het breder trekken: dit speelt in de hele regio. Samen optrekken met de buurgemeenten?",
    "Kun je de stukken delen? Dan kijk ik mee.",
    "Heel herkenbaar. Het college zegt bij ons steeds dat het *in onderzoek* is.",
    "Let op de financiële dekking: zonder dekking haalt het bij ons geen meerderheid.",
    "Wij hebben hier goede ervaringen mee. Stuur me gerust een bericht, dan bel ik je even.",
    "Ik twijfel nog. Wat zijn de risico's als het niet lukt?",
    "Misschien een onderwerp voor de volgende regiobijeenkomst?",
    "Dit raakt ook aan het sociaal domein. Goed om die woordvoerders erbij te betrekken.",
    "Top dat je dit oppakt!",
    "Bij ons is een vergelijkbaar voorstel gesneuveld op de kosten. Benieuwd hoe het bij jullie gaat.",
    "Belangrijk om inwoners hier vroeg bij te betrekken, anders krijg je weerstand.",
    "Ik heb het in {gemeente} aangekaart bij de rondvraag. Het college komt er schriftelijk op terug.",
    "Mooi initiatief. Houd ons op de hoogte!",
]
ANSWER_REPLIES: list[str] = [
    "Wij hebben dit in {gemeente} geregeld via een convenant met de corporaties. Ik stuur je de "
    "raadsinformatiebrief.",
    "In {gemeente} werkt het goed sinds de gemeente zelf de regie heeft genomen. Belangrijkste les: begin "
    "klein, met één wijk.",
    "Volgens de handreiking van de VNG mag dat, zolang je het in de verordening vastlegt. Laat je griffier "
    "het even nakijken.",
    "Bij ons staat het in de begroting, in het programma Sociaal domein onder de prestatie-indicatoren.",
    "Ja! Wij hebben er in {gemeente} een pilot mee gedaan. De evaluatie was positief; ik kan hem je mailen.",
    "Op waarstaatjegemeente.nl en bij het CBS vind je cijfers per gemeente. Handig voor schriftelijke vragen.",
    "Wij stelden schriftelijke vragen en kregen een plan van aanpak terug. Het werkt, maar het kostte wel "
    "een jaar.",
]
# Within a faction people talk as a team, not as colleagues from other towns.
TEAM_REPLIES: list[str] = [
    "Goed voorstel. Zullen we het maandag in de fractievergadering bespreken?",
    "Ik kan die dag helaas niet, maar ik lees graag mee.",
    "Eens! Ik lever mijn punten voor vrijdag aan.",
    "Ik schrijf een eerste concept en deel het hier.",
    "Prima, ik neem even contact op met de griffie.",
    "Goed idee. Laten we de wethouder vooraf informeren, dan wordt niemand verrast.",
    "Ik heb nog twee aanvullingen:\n\n- de planning van het college past niet bij de raadsagenda\n"
    "- we moeten de wijkraden niet vergeten",
    "Dank, helder. Ik sluit me aan.",
    "Zullen we hier ook een persbericht over maken? Ik schrijf wel een eerste versie.",
    "Ik heb erover gesproken met een paar inwoners; die herkennen het probleem.",
]
TEAM_ANSWERS: list[str] = [
    "Ik pak het op en deel daarna een kort verslag hier.",
    "Ik kan wel. Stuur me de stukken, dan bereid ik het voor.",
    "Ik heb de stukken gelezen. Kort samengevat: weinig nieuws, wel een hogere bijdrage. Een conceptreactie "
    "volgt.",
    "Nog niet. Voorstel: we bespreken het maandag en ik zet daarna een lijn op papier.",
]
TEAM_MOTION_REPLIES: list[str] = [
    "Ik teken graag mee.",
    "Goede tekst. Kun je het dictum nog iets concreter maken?",
    "Tip: check vooraf bij de griffie of het dictum uitvoerbaar is.",
    "Heb je al steun van andere fracties? Ik kan het bij de coalitiepartijen voorleggen.",
    "Noem de financiële dekking expliciet, dan is het lastiger om tegen te stemmen.",
]
AUTHOR_REPLIES: list[str] = [
    "Dank voor alle reacties! Ik verwerk ze in een nieuwe versie.",
    "Goed punt, dat neem ik mee.",
    "Dank je! Ik laat hier weten hoe het verder gaat.",
    "Helder, dank. Ik kom erop terug.",
]
MOTION_REPLIES: list[str] = [
    "Mooie motie! Mag ik hem overnemen voor {gemeente}?",
    "Ik teken graag mee. Kun je het dictum nog iets concreter maken?",
    "Tip: check vooraf bij de griffie of het dictum uitvoerbaar is.",
    "Heb je al steun van andere fracties? Bij ons helpt het om de coalitie vooraf mee te nemen.",
    "Wij dienden in {gemeente} een vergelijkbare motie in. Het college heeft hem inmiddels uitgevoerd.",
]
STATUS_REPLIES: dict[str, list[str]] = {
    MotionStatus.adopted: ["Gefeliciteerd! Goed werk.", "Mooi resultaat. Nu zorgen dat het college hem ook "
                           "echt uitvoert.", "Aangenomen, geweldig! Dit zetten we in de nieuwsbrief."],
    MotionStatus.rejected: ["Jammer! Bij de volgende begroting opnieuw proberen?",
                            "Balen. Wat was het argument van de coalitie?"],
    MotionStatus.withdrawn: ["Verstandig om hem in te trekken na de toezegging van de wethouder.",
                             "Goed dat de wethouder het toezegt. Wel de toezegging in de gaten houden!"],
}
MOTION_INTROS: dict[str, str] = {
    MotionStatus.draft: "Concepttekst, reacties welkom voor de fractievergadering!",
    MotionStatus.submitted: "Ingediend voor de raadsvergadering. Steun van andere fracties is welkom.",
    MotionStatus.adopted: "Aangenomen! De tekst mag iedereen gebruiken in de eigen gemeente.",
    MotionStatus.rejected: "Helaas verworpen, maar de tekst kan misschien elders wel helpen.",
    MotionStatus.held: "Aangehouden: de stemming is uitgesteld tot de volgende raadsvergadering.",
    MotionStatus.withdrawn: "Ingetrokken na een toezegging van de wethouder.",
}
JOIN_MESSAGES = [
    "Ik ben sinds kort woordvoerder op dit onderwerp en wil graag meelezen.",
    "Mag ik erbij? Ik bereid de begrotingsbehandeling voor.",
    "Graag toegang, ik werk in de commissie aan dit dossier.",
]

# --- loading -------------------------------------------------------------------------------------



CHANNEL_DESCRIPTIONS: dict[str, str] = {
    "Moties": "Moties en amendementen: in voorbereiding, ingediend en aangenomen.",
    "Vragen": "Vragen aan de woordvoerders en elkaar.",
    "Vergaderstukken": "Agenda's, notulen en stukken voor de bestuursvergadering.",
}

# --- the interview series ------------------------------------------------------------------------------

SERIES_NAME = "Raadslid in beeld"
SERIES_DESCRIPTION = ("Elke twee weken een gesprek met een van onze volksvertegenwoordigers: waarom ze het werk "
                      "doen, en waar ze tegenaan lopen.")

# (username of the member it is about, title, lead, body). The newest is last.
INTERVIEWS: list[tuple[str, str, str, str]] = [
    ("fatima.elamrani", "Fatima el Amrani: ‘Het platteland is geen decor’",
     "Statenlid in Gelderland sinds 2023. Over zorg in kleine kernen en boeren die gehoord willen worden.",
     "## Waarom de Staten?\n\nIk werkte twaalf jaar als wijkverpleegkundige in de Achterhoek. Ik zag dorpen waar "
     "de huisarts vertrok en niemand zich verantwoordelijk voelde. Toen dacht ik: dan moet ik er zelf gaan zitten."
     "\n\n## Waar loop je tegenaan?\n\nDe provincie gaat over veel, maar over zorg formeel over weinig. Je moet dus "
     "samenwerken met gemeenten en zorgverzekeraars. Dat kost tijd, en inwoners willen resultaat.\n\n"
     "> ‘Een motie is pas af als iemand anders hem kan hergebruiken.’\n\n"
     "## Tip voor collega's\n\nDeel je moties op Plein. Mijn motie over mobiele huisartsenposten is inmiddels in "
     "drie provincies ingediend."),
    ("pieter.bakker", "Pieter Bakker: ‘Begroten is kiezen, ook voor de fiets’",
     "Wethouder financiën en mobiliteit in Delft. Over geld, fietsenstallingen en nee zeggen.",
     "## Van raadslid naar wethouder\n\nAcht jaar zat ik in de raad. Als wethouder sta je aan de andere kant van "
     "de tafel: nu ben ík degene die moties moet uitvoeren.\n\n## Waar loop je tegenaan?\n\nHet gemeentefonds. "
     "Elk jaar weten we pas laat hoeveel geld er is, en dan moet de begroting al rond zijn.\n\n"
     "## Wat werkt wel\n\n- Vroeg in gesprek met de raad, niet pas bij de voorjaarsnota\n"
     "- Eerlijk zijn over wat níet kan\n- Leren van andere gemeenten: op Plein vond ik de aanpak van Zwolle"),
    ("anna.devries", "Anna de Vries: ‘Duurzaam moet ook betaalbaar zijn’",
     "Fractievoorzitter in Alkmaar. Over warmtenetten, woningnood en de kracht van een goede vraag.",
     "## Waarom de raad?\n\nIk woon al mijn hele leven in Alkmaar. Toen de plannen voor een warmtenet in mijn "
     "wijk over de hoofden van bewoners heen gingen, ben ik me ermee gaan bemoeien.\n\n"
     "## Waar loop je tegenaan?\n\nInformatie. Het college weet alles, de raad moet ernaar vragen. Daarom stel "
     "ik veel schriftelijke vragen, en via Plein vraag ik collega's met duurzaamheid in hun portefeuille hoe zij "
     "het doen.\n\n## Wat ze anderen meegeeft\n\nBegin klein, zoek bondgenoten in andere fracties, en deel wat "
     "je maakt."),
]
INTERVIEW_COMMENTS = [
    "Herkenbaar! Bij ons speelt precies hetzelfde.",
    "Mooi interview. Mag ik je motie gebruiken in onze gemeente?",
    "Dank voor het delen, ik stuur je een bericht.",
    "Goede tip om moties op Plein te zetten, dat ga ik ook doen.",
    "Inspirerend om te lezen hoe je dit aanpakt.",
]
