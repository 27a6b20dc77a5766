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
* Buprenorphine products labelled for pain, not for opioid use disorder (Belbuca buccal film,
  Butrans patch, Buprenex injection; sources in ``synonyms``), explain buprenorphine but are
  not MAT: a negative on them is not a missed MOUD dose (a low-dose patch may not even reach
  the assay's cutoff). Staff can still mark one as MAT when it is prescribed as such.

Names come from ``synonyms`` (brands and other spellings, with their sources) as well as the
generics below. A name not in the table explains nothing unless the prescriber's analytes are
given; the chart flags such a medication ("not recognised"), so a misspelt or unlisted name is
noticed rather than silently explaining nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from stepdown.drug_testing.models import Analyte
from stepdown.kit.errors import Invalid
from stepdown.medications.synonyms import OTHER_NAMES

_A = Analyte


@dataclass(frozen=True)
class KnownMedication:
    name: str
    analytes: frozenset[Analyte]
    is_mat: bool  # a medication for an addiction (MOUD/MAUD), not only one for another condition


def _known(name: str, *analytes: Analyte, mat: bool = False) -> KnownMedication:
    return KnownMedication(name, frozenset(analytes), mat)


_GENERICS: dict[str, KnownMedication] = {
    m.name: m
    for m in (
        _known("methadone", _A.METHADONE, mat=True),
        _known("buprenorphine", _A.BUPRENORPHINE, mat=True),
        # Its own entry so the table names the combination; it reads as buprenorphine.
        _known("buprenorphine-naloxone", _A.BUPRENORPHINE, mat=True),
        _known("naltrexone", mat=True),
        _known("acamprosate", mat=True),
        _known("disulfiram", mat=True),
        _known("alprazolam", _A.BENZODIAZEPINES),
        _known("clonazepam", _A.BENZODIAZEPINES),
        _known("lorazepam", _A.BENZODIAZEPINES),
        _known("diazepam", _A.BENZODIAZEPINES),
        _known("chlordiazepoxide", _A.BENZODIAZEPINES),
        _known("amphetamine", _A.AMPHETAMINES),
        _known("dextroamphetamine", _A.AMPHETAMINES),
        _known("lisdexamfetamine", _A.AMPHETAMINES),
        _known("oxycodone", _A.OXYCODONE, _A.OPIATES),
        _known("morphine", _A.OPIATES),
        _known("codeine", _A.OPIATES),
        _known("hydrocodone", _A.OPIATES),
        _known("hydromorphone", _A.OPIATES),
        _known("fentanyl", _A.FENTANYL),
        _known("dronabinol", _A.CANNABINOIDS),
    )
}
_PAIN_ONLY = frozenset({"belbuca", "butrans", "buprenex"})  # buprenorphine labelled for pain

_MARKS = re.compile(r"[\u00ae\u2122\u2120\u00a9]")  # ® ™ ℠ ©
_LETTER = r"[^\W\d_]"
# A dash (any Unicode dash or minus), slash, plus or ampersand, or " and " / " with ", between
# two words: the ways staff join two ingredient names.
_JOINER = re.compile(
    rf"(?<={_LETTER})(?:\s*[-\u2010-\u2015\u2212/+&]\s*|\s+(?:and|with)\s+)(?={_LETTER})"
)


def normalize(name: str) -> str:
    """The written name in one canonical spelling, so every way staff copy it finds the entry.

    Trademark signs go first, before NFKC (which would turn "™" into "TM"); then NFKC (full-width
    letters, ligatures, no-break spaces), case folding and single spaces; then any joiner between
    two ingredient names becomes "-", so "Buprenorphine and Naloxone", "buprenorphine/naloxone"
    and "buprenorphine–naloxone" all read "buprenorphine-naloxone". Strengths are left as written
    ("8 mg/2 mg": the joiner needs letters on both sides).
    """
    text = unicodedata.normalize("NFKC", _MARKS.sub(" ", name)).casefold()
    return _JOINER.sub("-", " ".join(text.split()))


def _table() -> dict[str, KnownMedication]:
    table = {normalize(name): known for name, known in _GENERICS.items()}
    for generic, names in OTHER_NAMES.items():
        for name in names:
            key = normalize(name)
            known = _GENERICS[generic]
            table[key] = replace(known, is_mat=False) if key in _PAIN_ONLY else known
    return table


# Normalized name or brand -> what it is.
KNOWN: dict[str, KnownMedication] = _table()


def lookup(name: str) -> KnownMedication | None:
    """The table's entry for a name as written on a prescription ("Suboxone 8 mg/2 mg film"
    finds Suboxone): the longest known name the written one starts with, ending where a word
    ends. So "Methadonex" finds nothing, "buprenorphine-naloxone 8-2 mg" finds the combination
    rather than buprenorphine, and a combination ("hydrocodone/acetaminophen") finds the
    ingredient it starts with, which is what a drug test reads."""
    written = normalize(name)
    matches = [
        key
        for key in KNOWN
        if written.startswith(key) and not written[len(key) : len(key) + 1].isalpha()
    ]
    return KNOWN[max(matches, key=len)] if matches else None


def recognised(name: str) -> bool:
    """Whether the table knows the name; one it does not explains nothing by itself."""
    return lookup(name) is not None


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
