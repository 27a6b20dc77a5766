"""Other names a prescription may be written under, for each generic in the medication table.

Staff copy the name from the prescription or the dispensing label, so a client on Methadose
or Butrans must find the same entry as one on methadone or buprenorphine; otherwise a
positive the prescription explains reads as unexpected, and for a MAT medication a missing
positive goes unseen. ``rules`` turns this table into lookup keys (its ``normalize`` handles
case, marks, strengths and "/", "-", "and", "with" between ingredient names), so only one
spelling of each name is listed here. Brands are US names.

Each brand -> generic pair was checked against the product's US label (DailyMed, FDA
labelling, or the manufacturer's prescribing information) unless noted:

* methadone: Methadose (https://dailymed.nlm.nih.gov/dailymed/search.cfm?adv=1&labeltype=all&query=methadose+dispersible),
  Dolophine (https://guidelinecentral.com/drug/7a4840d6-98e3-4523-81a0-ef0b3a47d0c2/DOLOPHINE),
  Diskets (https://drugs-library.com/drugs/diskets.html; NDA 17-058 label),
  Methadone Hydrochloride Intensol
  (https://dailymed.nlm.nih.gov/dailymed/medguide.cfm?setid=d0e6a966-179a-45e0-8444-4c1b8523f8d2).
* buprenorphine: Sublocade
  (https://dailymed.nlm.nih.gov/dailymed/search.cfm?searchdb=rxcui&query=1996189), Brixadi
  (https://dailymed.nlm.nih.gov/dailymed/fda/fdaDrugXsl.cfm?setid=5d8a8fd0-8619-422a-a664-d1d2e8970f48&type=display),
  Belbuca (https://dailymed.nlm.nih.gov/dailymed/search.cfm?searchdb=rxcui&query=1716075),
  Butrans (https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=794aa355-66de-41b8-aedf-f2c40f6bc664&audience=consumer).
  Subutex (brand discontinued in the US) and Buprenex are confirmed only by drug references,
  not a current label: http://drugs.com/mtm/subutex.html and Micromedex via
  https://www.mayoclinic.org/ar/drugs-supplements/buprenorphine-injection-route/description/drg-20073977.
* buprenorphine-naloxone: Suboxone
  (https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid=54c487ac-750b-462e-a4cb-dcab1dd43ba8),
  Zubsolv (https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid=5f5cfcfe-d52b-49e6-8fe4-550477332dd2),
  Bunavail (https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=12b963dd-f189-11e3-ac10-0800200c9a66).
  "bup/nx" is a common clinical abbreviation, not a label name.
* naltrexone: Vivitrol (https://www.recallguide.org/drug/vivitrol/, label text), ReVia
  (https://dailymed.nlm.nih.gov/dailymed/archives/fdaDrugInfo.cfm?archiveid=48058). Depade is
  confirmed only by drug references (https://psychmed.org/drugs/naltrexone/summary,
  http://edrugswiki.com/drug/depade); no label was found.
* acamprosate: Campral (https://fda.report/DailyMed/fe6f754f-62b4-4c86-805d-221332409516).
* disulfiram: Antabuse (https://dailymed.nlm.nih.gov/dailymed/fda/fdaDrugXsl.cfm?setid=12850de3-c97c-42c1-b8d3-55dc6fd05750&type=display).
* alprazolam: Xanax (http://labeling.pfizer.com/showlabeling.aspx?id=547); clonazepam:
  Klonopin (https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid=8d0621b0-353e-4c4d-86de-0d6f263bff4b);
  lorazepam: Ativan (https://drugs.com/pro/ativan-tablets.html); diazepam: Valium
  (https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid=554baee5-b171-4452-a50a-41a0946f956c&version=19);
  chlordiazepoxide: Librium (https://docslib.org/doc/4903348/librium-chlordiazepoxide-hydrochloride-label).
* amphetamine: Adderall (https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=f22635fe-821d-4cde-aa12-419f8b53db81),
  Evekeo (https://dailymed.nlm.nih.gov/dailymed/fda/fdaDrugXsl.cfm?setid=f469fb38-0380-4621-9db3-a4f429126156&type=display),
  Mydayis (https://dailymed.nlm.nih.gov/dailymed/fda/fdaDrugXsl.cfm?setid=141a7970-3f06-44ea-9ab7-aeece2c085fc&type=display);
  dextroamphetamine: Dexedrine
  (https://dailymed.nlm.nih.gov/dailymed/search.cfm?searchdb=rxcui&query=884528), Zenzedi
  (http://dailymed.nlm.nih.gov/dailymed/medguide.cfm?setid=d6394df5-f2c9-47eb-b57e-f3e9cfd94f84);
  lisdexamfetamine: Vyvanse
  (https://dailymed.nlm.nih.gov/dailymed/fda/fdaDrugXsl.cfm?setid=a310fc51-2743-4755-8398-fed5402283f6&type=display).
* oxycodone: OxyContin
  (https://dailymed.nlm.nih.gov/dailymed/fda/fdaDrugXsl.cfm?setid=bfdfe235-d717-4855-a3c8-a13d26dadede),
  Roxicodone (https://www.drugs.com/pro/roxicodone.html), Percocet
  (https://dailymed.nlm.nih.gov/dailymed/search.cfm?query=1049637&searchdb=rxcui), Oxaydo
  (http://oxaydo.com/hcp/main), Xtampza ER
  (https://dailymed.nlm.nih.gov/dailymed/search.cfm?searchdb=rxcui&query=1791569).
* morphine: MS Contin (https://fda.report/DailyMed/e0472c35-3f44-42e2-9b75-37b2e9ff65f6),
  Kadian (https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=a6b1858a-e796-4cb0-8a4d-d5c521874e84).
* hydrocodone: Hysingla ER (https://dailymed.nlm.nih.gov/dailymed/search.cfm?query=1595754&searchdb=rxcui),
  Zohydro ER (https://fda.report/DailyMed/1b89a045-d552-40b6-a717-09858b5e6239), Norco
  (http://www.drugs.com/pro/norco.html), Vicodin (https://www.vicodin.com/hcp, AbbVie).
* hydromorphone: Dilaudid
  (https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=ac5982ec-4ece-4b10-9613-db50203f4524).
* fentanyl: Duragesic (https://fda.report/DailyMed/4c3a6171-19e4-40c2-83f3-fb54d4736e4b/),
  Actiq (http://www.drugs.com/pro/actiq.html), Fentora
  (http://www.accessdata.fda.gov/spl/data/8ee1cd0e-bad7-48ff-9e25-8710edb812ec/8ee1cd0e-bad7-48ff-9e25-8710edb812ec.xml).
* dronabinol: Marinol (http://marinol.com/hcp/about-marinol), Syndros
  (https://nctr-crs.fda.gov/fdalabel/services/spl/set-ids/a7801c70-995d-46a2-91ee-141ef427c6b5/spl-doc).

Codeine has no current single-ingredient US brand listed here. A brand that could not be
confirmed is left out rather than guessed.
"""

from __future__ import annotations

# Generic (as named in ``rules``) -> other names it is written under.
OTHER_NAMES: dict[str, tuple[str, ...]] = {
    "methadone": ("Methadose", "Dolophine", "Diskets", "Methadone Intensol"),
    "buprenorphine": ("Subutex", "Sublocade", "Brixadi", "Belbuca", "Butrans", "Buprenex"),
    "buprenorphine-naloxone": ("Suboxone", "Zubsolv", "Bunavail", "bup/nx"),
    "naltrexone": ("Vivitrol", "ReVia", "Depade"),
    "acamprosate": ("Campral",),
    "disulfiram": ("Antabuse",),
    "alprazolam": ("Xanax",),
    "clonazepam": ("Klonopin",),
    "lorazepam": ("Ativan",),
    "diazepam": ("Valium",),
    "chlordiazepoxide": ("Librium",),
    "amphetamine": ("amphetamine salts", "Adderall", "Evekeo", "Mydayis"),
    "dextroamphetamine": ("Dexedrine", "Zenzedi"),
    "lisdexamfetamine": ("Vyvanse",),
    "oxycodone": ("OxyContin", "Roxicodone", "Percocet", "Oxaydo", "Xtampza"),
    "morphine": ("MS Contin", "Kadian"),
    "hydrocodone": ("Hysingla", "Zohydro", "Norco", "Vicodin"),
    "hydromorphone": ("Dilaudid",),
    "fentanyl": ("Duragesic", "Actiq", "Fentora"),
    "dronabinol": ("Marinol", "Syndros"),
}
