"""Write demo-emil3.json: an EXAMPLE catalog of short YH courses in Skolverket's Susa-navet EMIL 3 format.

Fictional providers, courses and occasions for the demo and the tests; nothing here is a real course.
Deterministic (random.Random(2027)), standard library only, no network:

    python3 data/courses/make_demo.py

The shapes follow shared/reference/susa-navet-emil3.md: three lists of {"id", "status", "content"} items,
as the API's list responses hold them. Each course is written with one intended topic in mind (the table
printed at the end); the file carries no topic field, Kompis tags courses from their words.
"""

from __future__ import annotations

import csv
import json
import math
import random
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
GEO = HERE.parent / "geo"
OUT = HERE / "demo-emil3.json"

SEED = 2027
LAST_EDITED = "2026-11-01T08:00:00"
FIRST_START, LAST_START = date(2027, 1, 11), date(2027, 11, 29)  # both Mondays
DISTANCE_SHARE = 0.35
CANCELLED = 5

TOPICS = ("energy", "circularity", "climate", "lean", "automation", "digitalisation", "maintenance", "quality",
          "metrology", "safety", "welding", "machining", "electrification", "drawings", "leadership", "work_swedish")

# Ordinary Swedish words that name each topic: every course must carry one in its title or keywords.
TOPIC_CUES = {
    "energy": ("energi",), "circularity": ("cirkulär", "materialeffektiv", "återvinning"),
    "climate": ("klimat", "lca", "livscykel", "miljöledning"), "lean": ("lean", "ständiga förbättringar"),
    "automation": ("automation", "robot", "plc"), "digitalisation": ("digitalisering",),
    "maintenance": ("underhåll",), "quality": ("kvalitet",), "metrology": ("mätteknik", "mätning"),
    "safety": ("arbetsmiljö", "säkerhet"), "welding": ("svets",), "machining": ("cnc", "bearbetning", "skärande"),
    "electrification": ("elektrifiering", "batteri"), "drawings": ("ritningsläsning",),
    "leadership": ("ledarskap", "arbetsledning"), "work_swedish": ("svenska",),
}

# Subject codes per topic: a SUN 2020 field code (a plausible placeholder, not checked against SCB's list,
# picked so that the subject prefixes in tagging.yml give no topic other than the intended one) and an
# ISCED-F 2013 detailed field.
SUBJECTS = {
    "welding": ("521b", "0715"), "machining": ("521a", "0715"), "maintenance": ("529a", "0715"),
    "metrology": ("529b", "0715"), "drawings": ("520a", "0715"), "energy": ("529c", "0713"),
    "electrification": ("522a", "0713"), "automation": ("523a", "0714"), "digitalisation": ("482a", "0611"),
    "quality": ("544a", "0413"), "lean": ("520b", "0413"), "leadership": ("345a", "0413"),
    "climate": ("850a", "0712"), "circularity": ("851a", "0712"), "safety": ("862a", "1022"),
    "work_swedish": ("223a", "0231"),
}

# Courses that need a workshop, a robot cell or a measuring room are never given as pure distance courses.
ON_SITE_ONLY = False
REMOTE = True

# slug, intended topic, title, YH points, can be pure distance, keywords, description
COURSES = [
    # energy
    ("energi-industri", "energy", "Energieffektivisering i industrin", 30, REMOTE,
     ["energieffektivisering", "energianvändning", "energikartläggning", "tryckluft", "belysning"],
     ("Kursen ger dig verktyg för att hitta och minska onödig energianvändning i produktionen. Du lär dig följa "
     "elförbrukningen, läsa energidata och räkna på lönsamheten i enkla åtgärder som läckagesökning i tryckluft "
     "och styrning av belysning och ventilation. Kursen avslutas med ett eget energiprojekt på arbetsplatsen.")),
    ("energi-iso50001", "energy", "Energiledning och energikartläggning enligt ISO 50001", 40, REMOTE,
     ["energiledning", "ISO 50001", "energikartläggning", "energieffektivisering"],
     ("Du lär dig hur ett energiledningssystem enligt ISO 50001 byggs upp och hur en energikartläggning genomförs "
     "i ett tillverkande företag. Kursen tar upp energibalanser, nyckeltal och uppföljning av energimål. Efter "
     "kursen kan du delta i och driva företagets energiarbete.")),
    ("energi-system", "energy", "Energismarta system – tryckluft, pumpar och fläktar", 25, REMOTE,
     ["energi", "tryckluft", "pumpar", "fläktar", "varvtalsstyrning", "energibesparing"],
     ("Tryckluft, pumpar och fläktar står för en stor del av elanvändningen i industrin. Kursen visar hur "
     "systemen fungerar, var förlusterna uppstår och hur varvtalsstyrning, rätt dimensionering och "
     "läckagesökning sparar energi. Praktiska övningar varvas med beräkningar.")),
    ("energi-overskottsvarme", "energy", "Överskottsvärme och energioptimering i processindustrin", 35, REMOTE,
     ["energioptimering", "överskottsvärme", "värmeväxlare", "energieffektivisering", "processindustri"],
     ("Kursen handlar om hur värme och ånga används i processindustrin och hur överskottsvärme kan tas till vara. "
     "Du lär dig grunderna i värmeväxling, energibalanser och energiuppföljning i driften. Kursen riktar sig "
     "till operatörer och drifttekniker.")),
    ("energi-drift", "energy", "Energiteknik för drifttekniker", 20, REMOTE,
     ["energiteknik", "energianvändning", "elförbrukning", "energisparande"],
     ("En grundkurs i energiteknik för dig som sköter drift av produktionslokaler och fastigheter. Du lär dig läsa "
     "energistatistik, hitta energitjuvar och föreslå åtgärder med kort återbetalningstid.")),
    # circularity
    ("cirkular-ekonomi", "circularity", "Cirkulär ekonomi i tillverkande industri", 30, REMOTE,
     ["cirkulär ekonomi", "materialeffektivitet", "återbruk", "cirkulära affärsmodeller"],
     ("Kursen introducerar cirkulär ekonomi och vad den betyder för ett tillverkande företag: längre livslängd, "
     "återbruk, reparation och nya affärsmodeller. Du kartlägger materialflöden på din egen arbetsplats och tar "
     "fram förslag som minskar behovet av nytt material.")),
    ("material-spill", "circularity", "Materialeffektivitet och minskat spill i produktionen", 25, REMOTE,
     ["materialeffektivitet", "materialspill", "minska spill", "resurseffektivitet"],
     ("Du lär dig analysera materialspill, kassationer och restflöden i produktionen och hitta orsakerna bakom "
     "dem. Kursen ger metoder för att använda råvaror och insatsmaterial effektivare, vilket både sänker "
     "kostnaderna och minskar avfallet.")),
    ("atervinning", "circularity", "Återvinning och avfallshantering i industrin", 20, REMOTE,
     ["återvinning", "avfallshantering", "källsortering", "restprodukter", "cirkulär ekonomi"],
     ("Kursen ger kunskap om regler för industriavfall, hur sortering och återvinning organiseras och hur "
     "restprodukter kan bli råvara för någon annan. Du gör en avfallskartläggning och föreslår förändringar på "
     "din arbetsplats.")),
    ("cirkular-design", "circularity", "Cirkulär produktdesign och återtillverkning", 40, REMOTE,
     ["cirkulär ekonomi", "cirkulär design", "återtillverkning", "reparation", "återanvändning"],
     ("Hur konstrueras en produkt så att den kan repareras, tas isär och tillverkas om? Kursen går igenom "
     "principer för cirkulär design, materialval och återtillverkning med exempel från fordons- och "
     "verkstadsindustrin. Du arbetar i projekt med en verklig produkt.")),
    # climate
    ("lca-produkter", "climate", "Livscykelanalys (LCA) för produkter", 30, REMOTE,
     ["livscykelanalys", "LCA", "klimatavtryck", "miljövarudeklaration", "EPD"],
     ("Kursen lär dig att göra en förenklad livscykelanalys av en produkt, från råvara till uttjänt produkt. Du "
     "provar ett LCA-verktyg, samlar in data från produktionen och tolkar resultatet. Kursen tar också upp "
     "miljövarudeklarationer (EPD) och hur kunder använder dem.")),
    ("klimatberakning", "climate", "Klimatberäkning och klimatdeklaration för industriföretag", 25, REMOTE,
     ["klimat", "klimatavtryck", "klimatberäkning", "GHG-protokollet", "koldioxid", "utsläpp"],
     ("Du lär dig beräkna ett företags klimatavtryck enligt GHG-protokollet, med scope 1, 2 och 3, och hur "
     "resultatet redovisas för kunder och ägare. Kursen ger också en översikt av EU:s krav på "
     "hållbarhetsrapportering.")),
    ("iso14001", "climate", "Miljöledning enligt ISO 14001", 20, REMOTE,
     ["miljöledning", "ISO 14001", "miljöledningssystem", "miljöaspekter", "miljö"],
     ("Kursen går igenom standarden ISO 14001 och hur ett miljöledningssystem fungerar i praktiken: "
     "miljöaspekter, lagkrav, mål och intern revision. Du lär dig bidra till företagets miljöarbete och "
     "förbereda en revision.")),
    ("klimatomstallning", "climate", "Hållbar produktion och klimatomställning", 30, REMOTE,
     ["klimat", "klimatomställning", "hållbarhet", "fossilfri produktion", "utsläpp"],
     ("Kursen ger en bred bild av hur industrin ställer om till fossilfri produktion och vad det innebär för dig "
     "som arbetar där. Du lär dig grunderna om växthusgaser och utsläppsminskning och analyserar var "
     "klimatpåverkan uppstår i ditt eget företag.")),
    # lean
    ("lean-praktik", "lean", "Lean produktion i praktiken", 30, REMOTE,
     ["lean", "lean produktion", "5S", "ständiga förbättringar", "slöseri"],
     ("Kursen förklarar grunderna i lean: flöde, slöseri, standardiserat arbete och ständiga förbättringar. Du "
     "tränar på verktyg som 5S, visuell styrning och daglig styrning och genomför ett eget förbättringsprojekt "
     "på arbetsplatsen.")),
    ("pdca", "lean", "Ständiga förbättringar och problemlösning med PDCA", 20, REMOTE,
     ["ständiga förbättringar", "PDCA", "problemlösning", "rotorsaksanalys", "lean"],
     ("Du lär dig en strukturerad metod för problemlösning: att beskriva problemet, hitta rotorsaken, pröva "
     "åtgärder och följa upp enligt PDCA. Kursen passar operatörer och teamledare som vill driva "
     "förbättringsarbete i vardagen.")),
    ("vardeflode", "lean", "Lean-verktyg: värdeflödesanalys och 5S", 15, REMOTE,
     ["lean", "värdeflödesanalys", "5S", "flöde", "ledtid"],
     ("En kort och praktisk kurs där du kartlägger ett värdeflöde i produktionen, räknar ledtider och hittar "
     "flaskhalsar. Kursen avslutas med en 5S-övning och en handlingsplan för din avdelning.")),
    ("lean-coach", "lean", "Lean coach – att driva förbättringsarbete", 40, REMOTE,
     ["lean", "lean coach", "förbättringsarbete", "kaizen", "ständiga förbättringar"],
     ("Kursen utbildar dig till lean coach som kan stödja team i förbättringsarbete. Du lär dig planera och leda "
     "kaizen-veckor, stödja andra i problemlösning och följa upp effekten av förbättringarna.")),
    # automation
    ("robot-operator", "automation", "Robotprogrammering för operatörer", 30, ON_SITE_ONLY,
     ["robot", "robotprogrammering", "industrirobot", "automation", "handprogrammering"],
     ("Du lär dig programmera och köra industrirobotar från handprogrammeringsdosan: koordinatsystem, "
     "rörelseinstruktioner, verktyg och enkla program. Kursen innehåller mycket praktik i robotcell.")),
    ("plc-grund", "automation", "PLC-programmering grund", 40, REMOTE,
     ["PLC", "PLC-programmering", "automation", "styrsystem", "IEC 61131-3"],
     ("Kursen ger grunderna i PLC-programmering enligt IEC 61131-3 med ladder och strukturerad text. Du lär dig "
     "koppla in givare och ställdon, hitta fel i program och göra enkla ändringar i befintliga maskiner.")),
    ("automationsteknik", "automation", "Automationsteknik – givare, ställdon och styrsystem", 35, REMOTE,
     ["automation", "automationsteknik", "givare", "ställdon", "styrsystem", "reglerteknik"],
     ("En kurs för dig som vill förstå hur automatiserade maskiner och processer fungerar. Du lär dig om givare, "
     "ställdon, motorstyrning och grundläggande reglerteknik och hur delarna samverkar i ett styrsystem.")),
    ("cobot", "automation", "Kollaborativa robotar (cobots) i produktionen", 20, ON_SITE_ONLY,
     ["cobot", "kollaborativa robotar", "robot", "automation"],
     ("Kursen visar hur kollaborativa robotar kan arbeta sida vid sida med människor. Du lär dig programmera en "
     "cobot för enkla plock- och monteringsuppgifter och hur en robotinstallation planeras och tas i drift.")),
    ("plc-hmi", "automation", "Industriell automation med PLC och HMI", 50, REMOTE,
     ["automation", "PLC", "HMI", "operatörspanel", "industriell kommunikation"],
     ("Fördjupningskurs i industriell automation där du bygger ett komplett styrsystem med PLC, operatörspanel "
     "(HMI) och industriell kommunikation. Kursen kräver grundläggande kunskaper i PLC-programmering.")),
    # digitalisation
    ("industri40", "digitalisation", "Digitalisering i produktionen – Industri 4.0", 30, REMOTE,
     ["digitalisering", "Industri 4.0", "IoT", "uppkopplade maskiner", "produktionsdata"],
     ("Kursen ger en översikt av digitaliseringen i tillverkande industri: uppkopplade maskiner, sensorer, "
     "molntjänster och dataanalys. Du lär dig bedöma vilka digitala lösningar som passar det egna företaget och "
     "hur ett införande kan gå till.")),
    ("digitala-verktyg", "digitalisation", "Digitala verktyg för operatörer", 15, REMOTE,
     ["digitala verktyg", "digital kompetens", "digitalisering", "surfplatta", "arbetsinstruktioner"],
     ("En grundläggande kurs för dig som möter allt fler skärmar och system i jobbet. Du tränar på att använda "
     "surfplatta och dator, digitala arbetsinstruktioner, rapportering i produktionssystem och inloggning med "
     "e-legitimation.")),
    ("produktionsdata", "digitalisation", "Produktionsdata och visualisering – digitalisering i praktiken", 25,
     REMOTE, ["digitalisering", "produktionsdata", "OEE", "visualisering", "Excel", "Power BI"],
     ("Du lär dig samla in, bearbeta och visualisera produktionsdata, till exempel stopptider och OEE. Kursen "
     "använder vanliga verktyg som Excel och Power BI och visar hur data blir beslutsunderlag på tavlan vid "
     "linjen.")),
    ("digital-tvilling", "digitalisation", "Digital tvilling och simulering av produktion", 40, REMOTE,
     ["digital tvilling", "simulering", "digitalisering", "virtuell driftsättning"],
     ("Kursen introducerar digitala tvillingar och simulering av produktionsflöden och maskiner. Du bygger en "
     "enkel simuleringsmodell, provar virtuell driftsättning och lär dig hur modellen hålls uppdaterad med data "
     "från verkligheten.")),
    ("affarssystem", "digitalisation", "Affärssystem och digitala flöden i tillverkningen", 20, REMOTE,
     ["affärssystem", "ERP", "MES", "digitalisering", "digitala system"],
     ("Kursen förklarar hur affärssystem (ERP) och produktionssystem (MES) hänger ihop och hur information flödar "
     "från order till leverans. Du tränar på vanliga arbetsmoment i systemen och lär dig hitta och rätta fel i "
     "data.")),
    # maintenance
    ("underhall-forebyggande", "maintenance", "Underhållsteknik – förebyggande underhåll", 40, REMOTE,
     ["underhåll", "förebyggande underhåll", "underhållsteknik", "underhållsplanering", "tillgänglighet"],
     ("Kursen ger grunderna i underhållsteknik med fokus på förebyggande underhåll. Du lär dig planera och "
     "dokumentera underhåll, analysera störningar, räkna på tillgänglighet och arbeta i ett underhållssystem.")),
    ("hydraulik", "maintenance", "Hydraulik och pneumatik för underhåll", 30, ON_SITE_ONLY,
     ["hydraulik", "pneumatik", "underhåll", "felsökning", "ventiler"],
     ("Praktisk kurs i hydrauliska och pneumatiska system: komponenter, schemaläsning, felsökning och byte av "
     "komponenter. Du tränar i riggar som liknar dem i produktionen.")),
    ("prediktivt", "maintenance", "Prediktivt underhåll och tillståndsövervakning", 30, REMOTE,
     ["prediktivt underhåll", "tillståndsövervakning", "vibrationsanalys", "termografi", "underhåll"],
     ("Kursen lär dig metoder för tillståndsbaserat och prediktivt underhåll, som vibrationsanalys, termografi "
     "och oljeanalys. Du lär dig tolka trender för att upptäcka fel innan de leder till stopp.")),
    ("tpm", "maintenance", "TPM – totalt produktivt underhåll", 25, REMOTE,
     ["TPM", "underhåll", "operatörsunderhåll", "OEE", "smörjning"],
     ("Kursen beskriver TPM och hur operatörer och underhållspersonal tillsammans kan öka maskinernas "
     "tillgänglighet. Du lär dig grunderna i operatörsunderhåll – rengöring, smörjning och inspektion – och hur "
     "OEE används för uppföljning.")),
    # quality
    ("kvalitetsteknik", "quality", "Kvalitetsteknik och avvikelsehantering", 30, REMOTE,
     ["kvalitet", "kvalitetsteknik", "avvikelsehantering", "8D", "rotorsak"],
     ("Du lär dig grundläggande kvalitetsteknik: hur avvikelser rapporteras, utreds och åtgärdas med metoder som "
     "8D och fiskbensdiagram. Kursen tar också upp kundreklamationer och hur kvalitetsbrister kan förebyggas.")),
    ("iso9001", "quality", "Kvalitetsledning enligt ISO 9001", 20, REMOTE,
     ["kvalitetsledning", "ISO 9001", "kvalitetsledningssystem", "internrevision", "kvalitet"],
     ("Kursen går igenom kraven i ISO 9001 och hur ett kvalitetsledningssystem används i det dagliga arbetet. Du "
     "lär dig processtänkande, dokumentstyrning och hur en intern revision planeras och genomförs.")),
    ("six-sigma", "quality", "Six Sigma och kvalitetsförbättring – Green Belt", 40, REMOTE,
     ["Six Sigma", "Green Belt", "kvalitet", "DMAIC", "statistik"],
     ("Kursen ger kunskap motsvarande Green Belt i Six Sigma. Du lär dig arbeta enligt DMAIC, använda "
     "grundläggande statistik och genomföra ett projekt som minskar variation och fel i en process.")),
    ("spc", "quality", "Statistisk processtyrning (SPC) och kvalitetssäkring", 25, REMOTE,
     ["SPC", "styrdiagram", "kvalitetssäkring", "duglighet", "kvalitet"],
     ("Du lär dig använda styrdiagram och duglighetsanalys för att övervaka och förbättra processer. Kursen visar "
     "hur SPC kan införas vid maskinen och hur operatörer tolkar signalerna i tid.")),
    # metrology
    ("matteknik", "metrology", "Mätteknik för verkstadsindustrin", 30, ON_SITE_ONLY,
     ["mätteknik", "mätning", "skjutmått", "mikrometer", "mätosäkerhet"],
     ("Kursen ger grunderna i mätteknik för verkstadsindustrin: mätinstrument, mätosäkerhet, temperaturens "
     "påverkan och dokumentation av mätresultat. Du tränar på att mäta med skjutmått, mikrometer och "
     "indikatorklocka.")),
    ("cmm", "metrology", "Koordinatmätmaskin (CMM) – mätning och programmering", 40, ON_SITE_ONLY,
     ["koordinatmätmaskin", "CMM", "mätning", "mätprogram", "mätteknik"],
     ("Du lär dig mäta och programmera koordinatmätmaskiner: uppriktning, probkvalificering, mätprogram och "
     "utvärdering av form- och lägestoleranser. Kursen genomförs till stor del i mätrum med verkliga detaljer.")),
    ("kalibrering", "metrology", "Kalibrering och mätsystemanalys (MSA)", 20, REMOTE,
     ["kalibrering", "mätsystemanalys", "MSA", "mätteknik", "mätutrustning"],
     ("Kursen tar upp hur mätutrustning kalibreras och hur man visar att ett mätsystem är tillräckligt bra, med "
     "metoder som Gage R&R. Du lär dig hantera kalibreringsintervall och spårbarhet.")),
    ("handmatning", "metrology", "Mätning med handhållna mätinstrument", 10, ON_SITE_ONLY,
     ["mätning", "mätinstrument", "mätteknik", "mätverktyg", "skjutmått"],
     ("En kort praktisk kurs i mätning vid maskinen. Du lär dig välja rätt mätverktyg, mäta längd, diameter och "
     "vinklar korrekt och förstå när ett mätresultat går att lita på.")),
    # safety
    ("bam", "safety", "Bättre arbetsmiljö i industrin (BAM)", 15, REMOTE,
     ["arbetsmiljö", "BAM", "systematiskt arbetsmiljöarbete", "skyddsombud", "säkerhet"],
     ("Kursen ger kunskap om arbetsmiljölagen och systematiskt arbetsmiljöarbete, anpassad för industrin. Du lär "
     "dig roller och ansvar, undersöka risker och följa upp åtgärder tillsammans med skyddsombud och chefer.")),
    ("maskinsakerhet", "safety", "Maskinsäkerhet och riskbedömning", 25, REMOTE,
     ["maskinsäkerhet", "riskbedömning", "maskindirektivet", "CE-märkning", "säkerhet"],
     ("Du lär dig hur maskindirektivet och den nya maskinförordningen påverkar arbetet med maskiner och hur en "
     "riskbedömning görs steg för steg. Kursen tar upp skyddsanordningar, CE-märkning och ombyggnad av "
     "maskiner.")),
    ("heta-arbeten", "safety", "Brandskydd och säkerhet vid heta arbeten", 10, ON_SITE_ONLY,
     ["heta arbeten", "brandskydd", "säkerhet", "arbetsmiljö"],
     ("En kort kurs om brandrisker och förebyggande brandskydd vid arbeten med öppen låga, slipning och skärning. "
     "Kursen varvar teori med praktiska övningar i brandsläckning.")),
    ("kemikalier", "safety", "Kemikaliehantering och säkert arbete i processindustrin", 15, REMOTE,
     ["kemikalier", "kemiska risker", "säkerhetsdatablad", "arbetsmiljö", "säkerhet"],
     ("Kursen lär dig läsa säkerhetsdatablad, bedöma kemiska risker och hantera kemikalier rätt vid lagring och "
     "användning. Du lär dig också vilka skyddsåtgärder och vilken skyddsutrustning som krävs.")),
    ("skyddsombud", "safety", "Skyddsombud och systematiskt arbetsmiljöarbete", 20, REMOTE,
     ["skyddsombud", "arbetsmiljö", "arbetsmiljöarbete", "riskbedömning", "säkerhet"],
     ("Kursen riktar sig till skyddsombud och andra som deltar i arbetsmiljöarbetet. Du lär dig skyddsombudets "
     "rättigheter, hur skyddsronder och riskbedömningar genomförs och hur den organisatoriska och sociala "
     "arbetsmiljön följs upp.")),
    # welding
    ("svets-certifiering", "welding", "Svetsning enligt EN ISO 9606-1", 40, ON_SITE_ONLY,
     ["svetsning", "svetscertifikat", "EN ISO 9606-1", "svetsprövning", "MIG/MAG"],
     ("Kursen förbereder dig för svetsprövning enligt EN ISO 9606-1 i vald metod och position. Du tränar "
     "svetsning av plåt och rör, lär dig läsa svetsdatablad (WPS) och provsvetsar under ledning av erfarna "
     "svetslärare.")),
    ("svets-grund", "welding", "MIG/MAG-svetsning grund", 30, ON_SITE_ONLY,
     ["svetsning", "MIG/MAG", "svets", "stål", "svetsteknik"],
     ("En grundkurs i MIG/MAG-svetsning för dig som är ny eller vill fräscha upp dina kunskaper. Du lär dig "
     "utrustning, inställningar och fogberedning och svetsar kälsvetsar och stumsvetsar i olika positioner.")),
    ("tig", "welding", "TIG-svetsning i rostfritt stål och aluminium", 40, ON_SITE_ONLY,
     ["TIG-svetsning", "svetsning", "rostfritt", "aluminium", "svets"],
     ("Kursen ger fördjupade kunskaper i TIG-svetsning av rostfritt stål och aluminium. Du tränar på tunn plåt och "
     "rör och lär dig hur gasskydd, värmetillförsel och rengöring påverkar svetsens hållfasthet och utseende.")),
    ("svetsansvarig", "welding", "Svetsteknik för svetsansvariga (EN ISO 3834)", 50, REMOTE,
     ["svetsteknik", "svetsansvarig", "EN ISO 3834", "svetsning", "WPS"],
     ("Kursen riktar sig till dig som ska ansvara för svetsning i ett företag. Du lär dig kraven i EN ISO 3834, "
     "hur svetsprocedurer (WPS och WPQR) tas fram, materialval och provning av svetsar.")),
    ("robotsvets", "welding", "Robotsvetsning – programmering och drift", 30, ON_SITE_ONLY,
     ["robotsvetsning", "svetsning", "svetsrobot", "robot"],
     ("Du lär dig programmera och köra en svetsrobot, ställa in svetsparametrar och optimera banor för jämna och "
     "hållbara svetsar. Kursen kombinerar svetsteknik med robotprogrammering och passar både svetsare och "
     "robotoperatörer.")),
    # machining
    ("cnc-grund", "machining", "CNC-bearbetning – svarvning och fräsning", 40, ON_SITE_ONLY,
     ["CNC", "CNC-bearbetning", "svarvning", "fräsning", "skärande bearbetning"],
     ("Grundkurs i CNC-bearbetning där du lär dig ställa och köra CNC-svarv och CNC-fräs. Kursen tar upp "
     "verktyg, nollpunkter, enklare programändringar och kontroll av detaljer.")),
    ("cnc-cam", "machining", "CNC-programmering med CAM", 40, REMOTE,
     ["CNC-programmering", "CAM", "CNC", "bearbetning", "verktygsbanor"],
     ("Du lär dig skapa verktygsbanor och CNC-program i ett CAM-system utifrån 3D-modeller och simulera "
     "bearbetningen innan den körs i maskinen. Kursen passar dig som redan kör CNC-maskiner och vill börja "
     "programmera.")),
    ("skarande-op", "machining", "Skärande bearbetning för operatörer", 30, ON_SITE_ONLY,
     ["skärande bearbetning", "maskinbearbetning", "CNC", "operatör", "verktygsbyte"],
     ("Kursen ger grundläggande kunskaper i skärande bearbetning för dig som arbetar som maskinoperatör. Du lär "
     "dig hur material, verktyg och skärdata påverkar resultatet och tränar på uppsättning och verktygsbyte i "
     "CNC-maskiner.")),
    ("skardata", "machining", "Verktyg och skärdata i skärande bearbetning", 15, REMOTE,
     ["skärdata", "skärande bearbetning", "skärverktyg", "CNC", "bearbetning"],
     ("En kort kurs om hur rätt val av skärverktyg och skärdata ger kortare cykeltider och längre "
     "verktygslivslängd. Du lär dig beräkna skärdata och tolka förslitning på skär.")),
    ("femaxlig", "machining", "Fleroperationsmaskiner – 5-axlig CNC-bearbetning", 50, ON_SITE_ONLY,
     ["5-axlig bearbetning", "fleroperationsmaskin", "CNC", "fräsning", "bearbetning"],
     ("Fördjupningskurs i 5-axlig CNC-bearbetning i fleroperationsmaskiner. Du lär dig uppspänning, "
     "koordinatsystem och strategier för simultan bearbetning av komplexa detaljer.")),
    # electrification
    ("eldrift-batteri", "electrification", "Eldrift och batterisäkerhet i industrin", 25, REMOTE,
     ["elektrifiering", "batterier", "batterisäkerhet", "eldrift", "truckbatterier"],
     ("Allt fler truckar, maskiner och fordon drivs med batterier. Kursen ger grundläggande kunskap om eldrift, "
     "litiumjonbatterier, laddning och rätt hantering, och om riskerna med skadade batterier.")),
    ("elektrifiering-fordon", "electrification", "Elektrifiering av fordon och arbetsmaskiner", 40, REMOTE,
     ["elektrifiering", "elfordon", "elmotorer", "batteri", "laddinfrastruktur"],
     ("Kursen beskriver hur fordon och arbetsmaskiner elektrifieras: batterier, elmotorer, kraftelektronik och "
     "laddning. Du lär dig hur tekniken påverkar konstruktion, service och produktion.")),
    ("batteriproduktion", "electrification", "Batteriteknik och batteriproduktion", 40, REMOTE,
     ["batteri", "batteriteknik", "batteritillverkning", "battericeller", "elektrifiering"],
     ("Kursen ger kunskap om battericellers uppbyggnad och hur batterier tillverkas, från elektrodbeläggning till "
     "cellmontering och formering. Du lär dig om torrum och de krav som batteriproduktion ställer på "
     "operatörer.")),
    ("hogvolt", "electrification", "Högvoltsutbildning för elektrifierade fordon", 15, ON_SITE_ONLY,
     ["högvolt", "högvoltsutbildning", "elektrifiering", "elfordon", "batteri"],
     ("Kursen ger kunskap för att arbeta med högvoltssystem i elektrifierade fordon och maskiner. Du lär dig "
     "spänningsfrihetskontroll, skyddsutrustning och rätt arbetsmetoder enligt gällande standarder.")),
    ("elmotorer", "electrification", "Elmotorer och kraftelektronik i elektrifierade system", 30, REMOTE,
     ["elmotorer", "kraftelektronik", "frekvensomriktare", "elektrifiering"],
     ("Kursen förklarar hur elmotorer, frekvensomriktare och kraftelektronik fungerar och samverkar i "
     "elektrifierade maskiner och processer. Du lär dig välja och dimensionera motor och drivsystem.")),
    # drawings
    ("ritning-tolerans", "drawings", "Ritningsläsning och toleranser", 20, REMOTE,
     ["ritningsläsning", "ritningar", "toleranser", "måttsättning", "tekniska ritningar"],
     ("Du lär dig läsa och förstå tekniska ritningar: vyer, snitt, måttsättning, toleranser och ytjämnhet. Kursen "
     "använder ritningar från verkstadsindustrin och passar dig som arbetar i produktion, montering eller "
     "inköp.")),
    ("ritning-gps", "drawings", "Ritningsläsning med geometriska toleranser (GPS)", 25, REMOTE,
     ["ritningsläsning", "geometriska toleranser", "GPS", "GD&T", "ritningar"],
     ("Fördjupningskurs i ritningsläsning med fokus på geometrisk produktspecifikation (GPS) enligt ISO-standard. "
     "Du lär dig tolka form- och lägestoleranser och referenssystem och förstå hur de styr tillverkning och "
     "kontroll.")),
    ("cad-produktion", "drawings", "CAD och ritningar för produktionspersonal", 30, REMOTE,
     ["CAD", "3D-modeller", "ritningar", "ritningsläsning", "produktionsteknik"],
     ("Kursen ger grundläggande färdigheter i ett CAD-program och lär dig att gå mellan 3D-modell och ritning. Du "
     "övar på att läsa ritningar, göra enkla ändringar och ta fram underlag för tillverkning.")),
    ("ritning-plat", "drawings", "Ritningsläsning för plåt- och rörarbeten", 15, REMOTE,
     ["ritningsläsning", "plåtritningar", "rörritningar", "isometriska ritningar", "ritningar"],
     ("En praktiskt inriktad kurs i att läsa ritningar för plåtbearbetning och rördragning, inklusive "
     "utvikningar och isometriska rörritningar. Du lär dig hitta rätt mått och symboler och planera arbetet "
     "utifrån ritningen.")),
    # leadership
    ("arbetsledning", "leadership", "Arbetsledning i produktion", 40, REMOTE,
     ["arbetsledning", "arbetsledare", "ledarskap", "produktionsledning", "personalansvar"],
     ("Kursen ger dig som är eller vill bli arbetsledare kunskap i ledarskap, planering och uppföljning av "
     "produktion. Du lär dig om arbetsrätt, kommunikation och konflikthantering och om hur du leder ett team i "
     "förändring.")),
    ("teamledare", "leadership", "Ledarskap för teamledare i industrin", 30, REMOTE,
     ["ledarskap", "teamledare", "kommunikation", "feedback", "gruppdynamik"],
     ("En kurs för teamledare och blivande teamledare. Du utvecklar ditt ledarskap genom övningar i "
     "kommunikation, feedback och mötesledning och lär dig hur grupper fungerar och utvecklas.")),
    ("coachande", "leadership", "Coachande ledarskap och medarbetarsamtal", 20, REMOTE,
     ["coachande ledarskap", "ledarskap", "medarbetarsamtal", "kompetensutveckling", "utvecklingsplan"],
     ("Kursen ger verktyg för ett coachande ledarskap där medarbetarnas kompetens och utveckling står i centrum. "
     "Du tränar på att hålla medarbetarsamtal och ta fram individuella utvecklingsplaner.")),
    ("forandring", "leadership", "Ledarskap i förändring – att leda omställning i industrin", 25, REMOTE,
     ["ledarskap", "förändringsledning", "omställning", "chefskap"],
     ("Kursen handlar om att leda människor genom förändring, som ny teknik, nya arbetssätt eller omorganisation. "
     "Du lär dig förstå reaktioner på förändring, kommunicera tydligt och skapa delaktighet.")),
    # work_swedish
    ("svenska-industri", "work_swedish", "Svenska för industrin", 30, REMOTE,
     ["svenska", "yrkessvenska", "svenska för jobbet", "industrisvenska", "svenska som andraspråk"],
     ("Kursen är för dig som har svenska som andraspråk och arbetar i industrin. Du tränar på ord och uttryck "
     "från produktionen, på att förstå muntliga instruktioner och på att prata med kollegor och chefer.")),
    ("yrkessvenska", "work_swedish", "Yrkessvenska för produktionspersonal", 40, REMOTE,
     ["yrkessvenska", "svenska", "svenska på jobbet", "läsförståelse", "skriva rapporter"],
     ("Du utvecklar din svenska för arbetet: att läsa instruktioner och skyltar, fylla i rapporter och delta i "
     "möten. Undervisningen utgår från texter och situationer från din egen arbetsplats.")),
    ("svenska-arbetsplats", "work_swedish", "Svenska på arbetsplatsen – instruktioner och rapportering", 25,
     REMOTE, ["svenska på arbetsplatsen", "svenska", "arbetsplatssvenska", "instruktioner", "rapportering"],
     ("Kursen tränar den svenska du behöver för att läsa arbetsinstruktioner, rapportera fel och lämna över till "
     "nästa skift. Du övar både muntligt och skriftligt med material från industrin.")),
    ("teknisk-svenska", "work_swedish", "Teknisk svenska för verkstadsarbete", 30, REMOTE,
     ["teknisk svenska", "svenska", "yrkessvenska", "fackord"],
     ("Du lär dig fackord och uttryck för verktyg, maskiner och material i verkstaden och tränar på att förklara "
     "hur något fungerar. Kursen kombinerar språkträning med besök i verkstad.")),
]

# slug, name, home town (a municipality short name), counties served (None: national, mostly distance),
# responsible body type and name, postal code, street address
PROVIDERS = [
    ("norrteknik", "Norrteknik Yrkeshögskola", "Luleå", ["25"], "enskild", "Norrteknik Utbildning AB",
     "972 32", "Teknikvägen 12"),
    ("vasterbotten", "Yrkeshögskolan Västerbotten", "Skellefteå", ["24"], "kommunal",
     "Kommunalförbundet Yrkesutbildning Västerbotten", "931 31", "Industrigatan 4"),
    ("mittnorrland", "Mittnorrlands Tekniska Yrkeshögskola", "Sundsvall", ["22", "23"], "enskild",
     "Mittnorr Kompetens AB", "852 30", "Verkstadsgatan 7"),
    ("gavleborg", "Gävleborgs Industricollege YH", "Sandviken", ["21"], "kommunal",
     "Kommunalförbundet Industricollege Gävleborg", "811 30", "Smedjegatan 3"),
    ("bergslagen", "Bergslagens Yrkesakademi", "Borlänge", ["20"], "enskild", "Bergslagens Yrkesakademi AB",
     "784 33", "Hyttgatan 9"),
    ("malardalen", "Mälardalens Industriutbildning YH", "Västerås", ["19", "04"], "enskild",
     "Mälardalens Industriutbildning AB", "721 30", "Kraftverksgatan 15"),
    ("uppland", "Upplands Processakademi", "Uppsala", ["03"], "enskild", "Upplands Processakademi AB",
     "753 20", "Kunskapsvägen 2"),
    ("orebro", "Teknikakademin Örebro", "Örebro", ["18"], "kommunal", "Kommunalförbundet Teknikakademin Örebro län",
     "702 10", "Teknikparken 5"),
    ("varmland", "Värmlands Yrkeshögskola – Industri", "Karlstad", ["17"], "region",
     "Regionalt utbildningsförbund Värmland", "652 25", "Pappersbruksvägen 8"),
    ("stockholm-syd", "Industriakademin Stockholm Syd", "Södertälje", ["01"], "enskild",
     "Industriakademin Stockholm AB", "151 32", "Verkstadsvägen 21"),
    ("ostgota", "Östgöta Tekniska Yrkeshögskola", "Norrköping", ["05"], "enskild", "Östgöta Teknikutbildning AB",
     "602 21", "Industrigatan 30"),
    ("teknikcollege-jonkoping", "TeknikCollege Jönköping", "Jönköping", ["06"], "kommunal",
     "Kommunalförbundet TeknikCollege Jönköpings län", "553 16", "Maskinvägen 6"),
    ("smaland", "Smålands Industriakademi", "Växjö", ["07", "08"], "enskild", "Smålands Industriakademi AB",
     "352 30", "Glasbruksgatan 11"),
    ("gotland", "Yrkeshögskolan Gotland", "Gotland", ["09"], "annan", "Stiftelsen Gotlands Yrkesutbildning",
     "621 41", "Hamngatan 14, Visby"),
    ("blekinge", "Blekinge Yrkesakademi", "Karlskrona", ["10"], "enskild", "Blekinge Yrkesakademi AB",
     "371 32", "Varvsgatan 5"),
    ("industriakademin-skane", "Industriakademin Skåne", "Malmö", ["12"], "enskild", "Industriakademin Skåne AB",
     "211 20", "Verkstadsgatan 18"),
    ("nordvastra-skane", "Nordvästra Skånes Yrkeshögskola", "Helsingborg", ["12"], "kommunal",
     "Kommunalförbundet Yrkesutbildning Nordvästra Skåne", "252 21", "Hamnvägen 3"),
    ("halland", "Hallands Tekniska Yrkeshögskola", "Halmstad", ["13"], "enskild", "Hallands Teknikutbildning AB",
     "302 50", "Larmgatan 9"),
    ("vastsvenska", "Västsvenska Industriskolan YH", "Trollhättan", ["14"], "enskild",
     "Västsvenska Industriskolan AB", "461 30", "Innovatumvägen 4"),
    ("skaraborg", "Skaraborgs Yrkeshögskola", "Skövde", ["14"], "kommunal",
     "Kommunalförbundet Skaraborgs Yrkeshögskola", "541 30", "Teknikgatan 10"),
    ("distansakademin", "Distansakademin för industrin", "Stockholm", None, "enskild",
     "Distansakademin för industrin AB", "111 20", "Kungsgatan 40"),
    ("hallbar-industri", "Hållbar Industri YH", "Göteborg", None, "annan", "Stiftelsen Hållbar Industri",
     "411 04", "Lindholmsplatsen 1"),
]

# Topics the two national, distance-first providers hold (one course each, in this order).
NATIONAL_TOPICS = {
    "distansakademin": ("digitalisation", "leadership", "work_swedish", "lean", "drawings", "quality"),
    "hallbar-industri": ("climate", "circularity", "climate", "circularity", "energy"),
}

# Industrial towns per county (municipality short names from municipalities.csv).
TOWNS = {
    "01": ["Stockholm", "Södertälje", "Norrtälje", "Järfälla", "Nynäshamn", "Sigtuna"],
    "03": ["Uppsala", "Enköping", "Östhammar", "Tierp"],
    "04": ["Eskilstuna", "Nyköping", "Katrineholm", "Oxelösund", "Strängnäs"],
    "05": ["Linköping", "Norrköping", "Motala", "Finspång", "Mjölby"],
    "06": ["Jönköping", "Värnamo", "Gislaved", "Gnosjö", "Nässjö", "Vetlanda"],
    "07": ["Växjö", "Ljungby", "Älmhult", "Alvesta"],
    "08": ["Kalmar", "Oskarshamn", "Västervik", "Nybro", "Hultsfred"],
    "09": ["Gotland"],
    "10": ["Karlskrona", "Karlshamn", "Olofström", "Ronneby", "Sölvesborg"],
    "12": ["Malmö", "Helsingborg", "Lund", "Landskrona", "Kristianstad", "Trelleborg", "Ängelholm", "Hässleholm"],
    "13": ["Halmstad", "Varberg", "Falkenberg", "Laholm"],
    "14": ["Göteborg", "Trollhättan", "Borås", "Skövde", "Uddevalla", "Lidköping", "Mölndal", "Alingsås"],
    "17": ["Karlstad", "Kristinehamn", "Hagfors", "Arvika", "Säffle"],
    "18": ["Örebro", "Karlskoga", "Lindesberg", "Hallsberg", "Kumla"],
    "19": ["Västerås", "Köping", "Fagersta", "Sala", "Hallstahammar"],
    "20": ["Borlänge", "Falun", "Avesta", "Ludvika", "Mora", "Smedjebacken"],
    "21": ["Gävle", "Sandviken", "Hudiksvall", "Söderhamn", "Bollnäs", "Hofors"],
    "22": ["Sundsvall", "Örnsköldsvik", "Härnösand", "Timrå", "Kramfors"],
    "23": ["Östersund", "Krokom", "Strömsund", "Åre"],
    "24": ["Umeå", "Skellefteå", "Lycksele", "Vilhelmina"],
    "25": ["Luleå", "Piteå", "Kiruna", "Gällivare", "Boden"],
}

# On-site and mixed occasions per county; the bigger industrial counties get a few more.
LOCATED_PER_COUNTY = 7
EXTRA_LOCATED = {"01": 2, "12": 3, "14": 3, "05": 1}
NATIONAL_MIXED = 3  # mixed occasions of each national provider at its home campus
MAX_DISTANCE_PER_COURSE = 4

STREETS = ["Industrigatan", "Teknikvägen", "Verkstadsgatan", "Fabriksgatan", "Kunskapsvägen", "Campusvägen",
           "Smedjegatan", "Maskinvägen"]
PACE_WORDS = {25: "kvartsfart", 50: "halvfart", 75: "75 procents studietakt", 100: "heltid"}


def lang(text: str) -> dict:
    return {"strings": [{"lang": "swe", "content": text}]}


def url(address: str) -> dict:
    return {"urls": [{"lang": "swe", "value": address}]}


def code(kind: str, value: str) -> dict:
    return {"type": kind, "code": value}


def item(content: dict) -> dict:
    return {"id": content["identifier"], "status": "ACTIVE", "content": content}


def read_geo() -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    with open(GEO / "counties.csv", encoding="utf-8", newline="") as f:
        counties = {row["county_code"]: row["county_name"] for row in csv.DictReader(f)}
    with open(GEO / "municipalities.csv", encoding="utf-8", newline="") as f:
        municipalities = {row["municipality_name_short"]: (row["municipality_code"], row["county_code"])
                          for row in csv.DictReader(f)}
    return counties, municipalities


def mondays() -> list[date]:
    """Possible start dates: Mondays in the range, none in July (no courses start in the summer break)."""
    days, day = [], FIRST_START
    while day <= LAST_START:
        if day.month != 7:
            days.append(day)
        day += timedelta(days=7)
    return days


def build() -> tuple[dict, list[dict]]:
    rng = random.Random(SEED)
    counties, municipalities = read_geo()
    assert sorted(TOWNS) == sorted(counties), "every county needs towns"
    for county, towns in TOWNS.items():
        for town in towns:
            assert municipalities[town][1] == county, f"{town} is not in county {county}"
    courses = {c[0]: dict(zip(("slug", "topic", "title", "credits", "remote", "keywords", "description"), c))
               for c in COURSES}
    assert len(courses) == len(COURSES)
    for c in courses.values():
        words = " ".join([c["title"], *c["keywords"]]).lower()
        assert any(cue in words for cue in TOPIC_CUES[c["topic"]]), f"{c['slug']}: topic word missing"
        assert 10 <= c["credits"] <= 60

    # Each course belongs to one provider: the national ones take their listed topics, the rest are dealt to
    # the regional providers with the topics interleaved, so that one provider holds different topics.
    providers = {p[0]: dict(zip(("slug", "name", "town", "counties", "body", "body_name", "postal", "street"), p))
                 for p in PROVIDERS}
    owner: dict[str, str] = {}
    for slug, topics in NATIONAL_TOPICS.items():
        for topic in topics:
            free = [c for c in courses.values() if c["topic"] == topic and c["remote"] and c["slug"] not in owner]
            owner[rng.choice(free)["slug"]] = slug
    by_topic = {t: rng.sample([c["slug"] for c in courses.values() if c["topic"] == t and c["slug"] not in owner],
                              k=sum(1 for c in courses.values() if c["topic"] == t and c["slug"] not in owner))
                for t in TOPICS}
    interleaved = []
    while any(by_topic.values()):
        for topic in rng.sample(TOPICS, k=len(TOPICS)):
            if by_topic[topic]:
                interleaved.append(by_topic[topic].pop())
    seats = [p["slug"] for p in providers.values() if p["counties"] for _ in p["counties"]]
    rng.shuffle(seats)
    for n, slug in enumerate(interleaved):
        owner[slug] = seats[n % len(seats)]
    held = {p: [c for c in courses if owner[c] == p] for p in providers}

    topic_count, course_count = Counter(), Counter()
    occasions: list[dict] = []

    def add(course: str, mode: str, town: str | None) -> None:
        occasions.append({"course": course, "mode": mode, "town": town})
        topic_count[courses[course]["topic"]] += 1
        course_count[course] += 1

    # On-site and mixed occasions, county by county in rounds, always taking the least-covered topic.
    quota = {county: LOCATED_PER_COUNTY + EXTRA_LOCATED.get(county, 0) for county in counties}
    local = {county: [c for p in providers.values() if p["counties"] and county in p["counties"]
                      for c in held[p["slug"]]]
             for county in counties}
    in_county: Counter = Counter()
    for round_ in range(max(quota.values())):
        for county in rng.sample(sorted(counties), k=len(counties)):
            if round_ >= quota[county]:
                continue
            course = min(local[county], key=lambda c: (in_county[county, c], topic_count[courses[c]["topic"]],
                                                       rng.random()))
            in_county[county, course] += 1
            mixed = rng.random() < (0.22 if courses[course]["remote"] else 0.1)
            add(course, "mixed" if mixed else "on_site", rng.choice(TOWNS[county]))
    # The national providers meet their distance students a few times at their home campus.
    for p in providers.values():
        if not p["counties"]:
            for course in rng.sample(held[p["slug"]], k=NATIONAL_MIXED):
                add(course, "mixed", p["town"])

    # Every course runs at least twice: hands-on courses again at home, the others as distance courses.
    for course in courses:
        while course_count[course] < 2 and not courses[course]["remote"]:
            home = providers[owner[course]]["counties"][0]
            add(course, "on_site", rng.choice(TOWNS[home]))
    located = len(occasions)
    distance_total = round(located * DISTANCE_SHARE / (1 - DISTANCE_SHARE))
    remote = [c for c in courses if courses[c]["remote"]]
    distance_count: Counter = Counter()
    for _ in range(distance_total):
        open_ = [c for c in remote if distance_count[c] < MAX_DISTANCE_PER_COURSE]
        course = min(open_, key=lambda c: (min(course_count[c], 2), topic_count[courses[c]["topic"]],
                                           course_count[c], rng.random()))
        distance_count[course] += 1
        add(course, "distance", None)

    starts = mondays()
    for occasion in occasions:
        occasion["start"] = rng.choice(starts)
        occasion["pace"] = pace_for(courses[occasion["course"]]["credits"], rng)
    occasions.sort(key=lambda o: (o["start"], o["course"], o["town"] or ""))
    cancelled = set(rng.sample(range(len(occasions)), k=CANCELLED))

    events = [event(n, o, courses[o["course"]], providers[owner[o["course"]]], municipalities, n - 1 in cancelled,
                    rng) for n, o in enumerate(occasions, start=1)]
    infos = [info(n, c) for n, c in enumerate(courses.values(), start=1)]
    document = {
        "_comment": ("EXAMPLE DATA for the Kompis demo and tests: fictional providers, courses and occasions in "
                     "Skolverket's Susa-navet EMIL 3 format – not real courses, do not apply. Generated by "
                     "data/courses/make_demo.py."),
        "educationProviders": [item(provider(p, municipalities)) for p in providers.values()],
        "educationInfos": [item(i) for i in infos],
        "educationEvents": [item(e) for e in events],
    }
    return document, [dict(o, topic=courses[o["course"]]["topic"],
                           county=municipalities[o["town"]][1] if o["town"] else None,
                           provider=owner[o["course"]]) for o in occasions]


def pace_for(credits: int, rng: random.Random) -> int:
    """A pace that makes the occasion last 3–20 calendar weeks (5 YH points a full-time week)."""
    fitting = [p for p in (25, 50, 75, 100) if 3 <= weeks(credits, p) <= 20]
    weights = {25: 3, 50: 4, 75: 1, 100: 1}
    return rng.choices(fitting, weights=[weights[p] for p in fitting])[0]


def weeks(credits: int, pace: int) -> int:
    return math.ceil(credits / 5 * 100 / pace)


def info(number: int, c: dict) -> dict:
    sun, isced = SUBJECTS[c["topic"]]
    level = "4" if c["topic"] == "work_swedish" else "5"
    return {
        "identifier": f"i.yh.demo.{c['slug']}",
        "code": f"YHK-DEMO-{number:03d}",
        "lastEdited": LAST_EDITED,
        "title": lang(c["title"]),
        "description": lang(c["description"]),
        "url": url(f"https://example.se/kurs/{c['slug']}"),
        "type": code("C_SchoolType", "YH"),
        "configuration": code("C_Configuration", "kurs"),
        "credits": {"system": code("C_Credits", "yh"), "credits": c["credits"]},
        "extent": {"length": c["credits"] // 5, "unit": code("C_TimeType", "weeks")},
        "subjects": [code("C_Subject_SUN", sun), code("C_Subject_ISCED2013", isced)],
        "educationLevels": [code("C_EducationLevel", "ISCED_4" if level == "4" else "ISCED_5")],
        "qualificationLevel": code("C_Qualification", level),
        "eligibility": lang("Grundläggande behörighet för yrkeshögskolan, eller motsvarande kunskaper genom "
                            "arbetslivserfarenhet."),
        "recommendedPriorKnowledge": lang("Erfarenhet av arbete i tillverkande industri är en fördel."),
        "resultIsDegree": False,
        "isVocational": True,
        "eligibleForStudentAid": code("C_StudentAid", "ja"),
    }


def address(town: str, municipalities: dict, street: str, place: str | None = None,
            postal: str | None = None) -> dict:
    found = {"country": "Sverige", "areaCode": municipalities[town][0], "town": town, "streetAddress": street}
    if postal:
        found["postalCode"] = postal
    if place:
        found["studyLocation"] = lang(place)
    return found


def provider(p: dict, municipalities: dict) -> dict:
    campus = address(p["town"], municipalities, p["street"], f"{p['name']}, {p['town']}", p["postal"])
    return {
        "identifier": f"p.yh.demo.{p['slug']}",
        "lastEdited": LAST_EDITED,
        "name": lang(p["name"]),
        "url": url(f"https://example.se/{p['slug']}"),
        "emailAddress": f"{p['slug']}@example.se",
        "contactAddress": {k: v for k, v in campus.items() if k != "studyLocation"},
        "visitAddresses": [campus],
        "responsibleBody": {"type": code("C_Body", p["body"]), "name": lang(p["body_name"])},
    }


def event(number: int, o: dict, c: dict, p: dict, municipalities: dict, cancelled: bool,
          rng: random.Random) -> dict:
    ident = f"e.yh.demo.{number:04d}"
    start = o["start"]
    length = weeks(c["credits"], o["pace"])
    end = start + timedelta(days=7 * length - 3)  # the Friday of the last week
    application_last = start - timedelta(days=rng.randint(14, 30))
    pace_words = PACE_WORDS[o["pace"]]
    content: dict = {
        "identifier": ident,
        "education": f"i.yh.demo.{c['slug']}",
        "providers": [f"p.yh.demo.{p['slug']}"],
        "lastEdited": LAST_EDITED,
        "expires": f"{(end + timedelta(days=30)).isoformat()}T00:00:00",
    }
    if rng.random() > 0.1:  # a few occasions leave the title to their course, as the API allows
        content["title"] = lang(c["title"])
    keywords = list(c["keywords"])
    if o["mode"] == "distance":
        where = "på distans"
        keywords.append("distansutbildning")
        if rng.random() < 0.3:
            content["locations"] = []  # the API sends an empty list or no list at all
    else:
        if o["town"] == p["town"]:
            street, place = p["street"], f"{p['name']}, {o['town']}"
        else:
            street = f"{rng.choice(STREETS)} {rng.randint(1, 40)}"
            place = f"{p['name']} – studieort {o['town']}"
        content["locations"] = [address(o["town"], municipalities, street, place)]
        where = f"i {o['town']}" if o["mode"] == "on_site" else f"i {o['town']} och på distans"
        if o["mode"] == "mixed":
            keywords.append("distans")
    content["description"] = lang(f"{c['title']} {where} på {pace_words}, {start.isoformat()}–{end.isoformat()}.")
    content["url"] = url(f"https://example.se/kurs/{c['slug']}/{number:04d}")
    content["languageOfInstructions"] = ["swe"]
    content["execution"] = {"condition": code("C_ExecutionCondition", "1"),
                            "start": start.isoformat(), "end": end.isoformat()}
    content["isCancelled"] = cancelled
    content["places"] = rng.randint(12, 30)
    content["timeOfStudy"] = code("C_TimeOfStudy", time_of_study(o, rng))
    content["paceOfStudy"] = {"percentage": o["pace"], "individual": False, "note": lang(f"Studier på {pace_words}.")}
    if o["mode"] != "on_site":
        content["distance"] = distance(o, length, rng)
    content["application"] = {
        "code": f"DEMO-{number:04d}",
        "instruction": lang(f"Ansök via länken senast {application_last.isoformat()}. Utbildningen är avgiftsfri. "
                            "Du kan läsa vid sidan av jobbet – prata gärna med din chef om studietiden."),
        "url": url(f"https://example.se/ansok/{ident}"),
        "first": (start - timedelta(days=90)).isoformat(),
        "last": application_last.isoformat(),
        "continuous": False,
    }
    content["keywords"] = [lang(k) for k in keywords]
    return content


def time_of_study(o: dict, rng: random.Random) -> str:
    if o["mode"] == "distance":
        return rng.choice(("ingen", "kväll", "ingen"))
    if o["pace"] >= 75:
        return "dag"
    if o["pace"] == 50:
        return rng.choice(("dag", "kväll", "blandat"))
    return rng.choice(("kväll", "veckoslut", "blandat"))


def distance(o: dict, length: int, rng: random.Random) -> dict:
    if o["mode"] == "distance":
        webinars = max(2, length // rng.choice((1, 2)))
        return {"noOfMandatorySessions": 0, "noOfOptionalSessions": 0, "noOfMandatoryRemoteSessions": webinars,
                "noOfOptionalRemoteSessions": rng.randint(0, 4),
                "description": lang(f"Helt på distans: {webinars} obligatoriska webbinarier, resten studerar du "
                                    "i egen takt i lärplattformen.")}
    meetings = rng.randint(2, 5)
    webinars = max(1, length - meetings)
    return {"noOfMandatorySessions": meetings, "noOfOptionalSessions": rng.randint(0, 2),
            "noOfMandatoryRemoteSessions": webinars, "noOfOptionalRemoteSessions": rng.randint(0, 3),
            "description": lang(f"{meetings} obligatoriska träffar på plats i {o['town']}, övrig undervisning på "
                                f"distans med {webinars} webbinarier.")}


def report(document: dict, occasions: list[dict]) -> None:
    counties, _ = read_geo()
    n = len(occasions)
    modes = Counter(o["mode"] for o in occasions)
    print(f"providers {len(document['educationProviders'])}, courses {len(document['educationInfos'])}, "
          f"occasions {n}: on site {modes['on_site']}, mixed {modes['mixed']}, "
          f"distance {modes['distance']} ({modes['distance'] / n:.0%}); cancelled "
          f"{sum(1 for e in document['educationEvents'] if e['content']['isCancelled'])}")
    print("\n| county | on site | mixed | total |\n|---|---:|---:|---:|")
    for county, name in counties.items():
        here = Counter(o["mode"] for o in occasions if o["county"] == county)
        print(f"| {county} {name} | {here['on_site']} | {here['mixed']} | {here['on_site'] + here['mixed']} |")
    print(f"| distance (no place) | | | {modes['distance']} |")
    print("\n| intended topic | courses | occasions | of which distance |\n|---|---:|---:|---:|")
    for topic in TOPICS:
        here = [o for o in occasions if o["topic"] == topic]
        print(f"| {topic} | {sum(1 for c in COURSES if c[1] == topic)} | {len(here)} | "
              f"{sum(1 for o in here if o['mode'] == 'distance')} |")


def check(document: dict, occasions: list[dict]) -> None:
    counties, _ = read_geo()
    events = [e["content"] for e in document["educationEvents"]]
    assert len(events) >= 220
    located = Counter(o["county"] for o in occasions if o["county"])
    assert all(located[c] >= 5 for c in counties), located
    assert all(sum(1 for o in occasions if o["topic"] == t) >= 8 for t in TOPICS)
    per_course = Counter(e["education"] for e in events)
    assert min(per_course.values()) >= 2 and len(per_course) == len(COURSES)
    for e in events:
        start, end = date.fromisoformat(e["execution"]["start"]), date.fromisoformat(e["execution"]["end"])
        assert FIRST_START <= start <= LAST_START and 14 <= (end - start).days <= 140, e["identifier"]
        first, last = (date.fromisoformat(e["application"][k]) for k in ("first", "last"))
        assert (start - first).days == 90 and 14 <= (start - last).days <= 30
        assert 12 <= e["places"] <= 30 and e["paceOfStudy"]["percentage"] in (25, 50, 75, 100)
        assert bool(e.get("locations")) or "distance" in e


def main() -> None:
    document, occasions = build()
    check(document, occasions)
    OUT.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    report(document, occasions)
    print(f"\nwrote {OUT.name}: {OUT.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
