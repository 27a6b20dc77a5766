"""Appointment start times that lose no schedule, so a model over them can prove bounds.

`Eligibility` offers each client the instants where something starts or ends, plus one
appointment length after them. That is not enough: a therapist's back-to-back appointments with
*different* clients form chains, and a chain of three or more (or one starting at another
client's instant) reaches starts that no single client's instants produce. The small sample's
therapist S1-T3 sees four evening clients back to back on Friday (17:30, 18:30, 19:30, 20:30);
19:30 is on no list, so a model over those starts had no such week, and a "proven" bound taken
from it (33) was below a valid week (34).

The closure used here is complete. Take any valid week and, in order of start time, slide each
appointment earlier as far as it goes. It stops at the start of the client's or the therapist's
window, at the end of a session the client attends or the therapist leads, or at the end of
another appointment of the same therapist (every appointment of a client is with their primary
therapist), which has already been slid. Durations, days and the people involved do not change,
so the week stays valid, and by induction every start is an *anchor* (a window start or session
end of the therapist or of any of their clients) plus a whole number of appointment lengths.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import replace

from .eligibility import Eligibility
from .exchange import MINUTES_PER_DAY


class CompleteEligibility(Eligibility):
    """An `Eligibility` whose appointment starts lose no valid week (made by `complete_slots`).

    The type lets the optimizer's model tell whether it still has to complete what it is given
    (re-planning builds a plain one); `restricted` copies keep it.
    """


def complete_slots(elig: Eligibility) -> CompleteEligibility:
    """A copy of `elig` whose clients may start appointments at every anchor-chain instant.

    The availability bound (`alone`) is recomputed from the new starts, so it is sound too.
    """
    instance = elig.instance
    length = instance.individual_minutes
    anchors: dict[str, set[int]] = defaultdict(set)
    for person in instance.staff:
        anchors[person.id] |= {w.week_start for w in person.availability}
        anchors[person.id] |= {
            elig.span[sid][1] for sid, leaders in elig.leaders.items() if person.id in leaders
        }
    for options in elig.clients.values():
        therapist = anchors[options.client.primary_therapist]
        therapist |= {w.week_start for w in options.client.availability}
        therapist |= {elig.span[sid][1] for sid in options.sessions}
    chains: dict[str, list[int]] = {}
    for pid, starts in anchors.items():
        reach: set[int] = set()
        for anchor in starts:
            # Nothing runs past midnight, so a chain ends with the anchor's day.
            reach.update(range(anchor, (anchor // MINUTES_PER_DAY + 1) * MINUTES_PER_DAY, length))
        chains[pid] = sorted(reach)
    # A copy, as `Eligibility.restricted` makes one, but of the complete type.
    completed = CompleteEligibility.__new__(CompleteEligibility)
    completed.__dict__.update(elig.__dict__)
    completed.__dict__.pop("alone", None)
    completed.clients = {
        cid: replace(options, slots=_fitting(elig, chains[options.client.primary_therapist], cid))
        if options.client.appointments_needed
        else options
        for cid, options in elig.clients.items()
    }
    return completed


def _fitting(elig: Eligibility, chain: list[int], cid: str) -> tuple[int, ...]:
    """The chain instants where an appointment fits both the client's and the therapist's hours."""
    client = elig.clients[cid].client
    length = elig.instance.individual_minutes
    therapist = [
        (w.week_start, w.week_end) for w in elig.staff[client.primary_therapist].availability
    ]
    starts: set[int] = set()
    for window in client.authorized_availability:
        first = bisect.bisect_left(chain, window.week_start)
        last = bisect.bisect_right(chain, window.week_end - length)
        starts.update(
            start
            for start in chain[first:last]
            if any(low <= start and start + length <= high for low, high in therapist)
        )
    return tuple(sorted(starts))
