"""Which drug-test analytes a prescribed medication explains, as a data table.

A positive result is *expected* when an active prescription explains it (``drug_testing.
rules.interpret``). The table follows how the usual assays read each drug:

* Opiate immunoassays are built on morphine antibodies: they detect morphine, codeine,
  hydrocodone and hydromorphone; oxycodone cross-reacts poorly (only very high
  concentrations read positive), and buprenorphine, fentanyl and methadone not at all, so
  each of those needs its own assay. Sources: UCSF/SFGH lab manual, "Opiates screen, urine"
  (http://labmed.ucsf.edu/sfghlab/data/tests/200.html); LHSC Laboratory Test Information
  Guide, "Opiates Screen, Urine" (https://ltig.lhsc.on.ca/); University of Iowa pathology
  handbook, "Opiates" (https://www.healthcare.uiowa.edu/Path_Handbook/rhandbook/test2934.html).
  Hence oxycodone explains both *oxycodone* and *opiates* (a strong dose may read on the
  opiate screen), and buprenorphine, methadone and fentanyl explain only themselves.
* Naltrexone, acamprosate and disulfiram are medications for opioid or alcohol use disorder
  that no panel analyte detects: they explain nothing.
* No medication explains alcohol: an alcohol/EtG positive is always unexpected
  (``drug_testing.rules``). Ethanol-containing products can still give low EtG values, which
  is why the value and cutoff are recorded (USDTL, "EtG and EtS concentrations following use
  of ethanol containing hand sanitizer", https://usdtl.com/media/white-papers/).

A name not in the table explains nothing unless the prescriber's analytes are given; the
chart shows what each medication explains, so a misspelt name is visible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stepdown.drug_testing.models import Analyte
from stepdown.kit.errors import Invalid

_A = Analyte


@dataclass(frozen=True)
class KnownMedication:
    name: str
    analytes: frozenset[Analyte]
    is_mat: bool  # a medication for an addiction (MOUD/MAUD), not only one for another condition


def _known(name: str, *analytes: Analyte, mat: bool = False) -> KnownMedication:
    return KnownMedication(name, frozenset(analytes), mat)


_BUPRENORPHINE = _known("buprenorphine", _A.BUPRENORPHINE, mat=True)
_METHADONE = _known("methadone", _A.METHADONE, mat=True)
_NALTREXONE = _known("naltrexone", mat=True)
_AMPHETAMINE = _known("amphetamine", _A.AMPHETAMINES)
_OXYCODONE = _known("oxycodone", _A.OXYCODONE, _A.OPIATES)

# Lower-case name or brand -> what it is. Brands are US names for recognisability.
KNOWN: dict[str, KnownMedication] = {
    "buprenorphine": _BUPRENORPHINE,
    "buprenorphine/naloxone": _BUPRENORPHINE,
    "suboxone": _BUPRENORPHINE,
    "subutex": _BUPRENORPHINE,
    "zubsolv": _BUPRENORPHINE,
    "sublocade": _BUPRENORPHINE,
    "brixadi": _BUPRENORPHINE,
    "methadone": _METHADONE,
    "naltrexone": _NALTREXONE,
    "vivitrol": _NALTREXONE,
    "acamprosate": _known("acamprosate", mat=True),
    "disulfiram": _known("disulfiram", mat=True),
    "alprazolam": _known("alprazolam", _A.BENZODIAZEPINES),
    "clonazepam": _known("clonazepam", _A.BENZODIAZEPINES),
    "lorazepam": _known("lorazepam", _A.BENZODIAZEPINES),
    "diazepam": _known("diazepam", _A.BENZODIAZEPINES),
    "chlordiazepoxide": _known("chlordiazepoxide", _A.BENZODIAZEPINES),
    "amphetamine salts": _AMPHETAMINE,
    "adderall": _AMPHETAMINE,
    "dextroamphetamine": _AMPHETAMINE,
    "lisdexamfetamine": _AMPHETAMINE,
    "vyvanse": _AMPHETAMINE,
    "oxycodone": _OXYCODONE,
    "oxycontin": _OXYCODONE,
    "percocet": _OXYCODONE,
    "morphine": _known("morphine", _A.OPIATES),
    "codeine": _known("codeine", _A.OPIATES),
    "hydrocodone": _known("hydrocodone", _A.OPIATES),
    "hydromorphone": _known("hydromorphone", _A.OPIATES),
    "fentanyl": _known("fentanyl", _A.FENTANYL),
    "dronabinol": _known("dronabinol", _A.CANNABINOIDS),
}


def normalize(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower())


def lookup(name: str) -> KnownMedication | None:
    """The table's entry for a name as written on a prescription ("Suboxone 8 mg/2 mg" finds
    Suboxone): the longest known name the written one starts with, as a whole word."""
    written = normalize(name)
    matches = [key for key in KNOWN if written == key or written.startswith((key + " ", key + ","))]
    return KNOWN[max(matches, key=len)] if matches else None


@dataclass(frozen=True)
class Explains:
    analytes: frozenset[Analyte]
    is_mat: bool


def explains(name: str, *, analytes: list[Analyte] | None, is_mat: bool | None) -> Explains:
    """What a new prescription explains: the given analytes, else the table's, else none.

    Alcohol is refused: no prescription makes a drinking biomarker expected.
    """
    if not normalize(name):
        raise Invalid("enter the medication's name", field="name")
    known = lookup(name)
    chosen = frozenset(analytes) if analytes is not None else (known.analytes if known else None)
    if Analyte.ALCOHOL in (chosen or ()):
        raise Invalid("no medication explains an alcohol result", field="analytes")
    return Explains(
        analytes=chosen or frozenset(),
        is_mat=is_mat if is_mat is not None else bool(known and known.is_mat),
    )


def suggestions() -> list[str]:
    """Names for the form's autocomplete, generic names first."""
    generics = sorted({m.name for m in KNOWN.values()})
    return [*generics, *sorted(k for k in KNOWN if k not in generics)]
