"""The draw's rules: determinism, sealing, verification, and the statistics of selection.

The statistical tests draw 10,000 simulated program days over 30 clients, each day with a
fresh seed from ``secrets`` exactly as the service does, and check that every client is
picked as often as the rate says, that the spread over clients is what chance gives, and
that being picked yesterday says nothing about today.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest

from stepdown.drug_testing import rules
from stepdown.kit.errors import Invalid

DAY = date(2026, 11, 24)
SITE = str(uuid.UUID(int=1))
CLIENTS = sorted(str(uuid.UUID(int=1000 + n)) for n in range(30))
P = Fraction(2, 5)  # 2 tests a week over 5 program days
DAYS = 10_000


def revealed(seed: bytes, eligible: list[str] = CLIENTS) -> rules.DrawFacts:
    selected = rules.select(seed, day=DAY, site=SITE, eligible=eligible, p=P)
    return rules.DrawFacts(
        site=SITE,
        day=DAY,
        rate_per_week=2.0,
        program_days=5,
        commitment=rules.commitment(seed),
        committed_at=datetime(2026, 11, 23, 18, 0, tzinfo=UTC),
        seed=seed.hex(),
        probability=float(P),
        eligible=tuple(eligible),
        selected=tuple(selected),
    )


class TestSelection:
    def test_is_a_function_of_the_seed_and_inputs(self) -> None:
        seed = rules.new_seed()
        first = rules.select(seed, day=DAY, site=SITE, eligible=CLIENTS, p=P)
        again = rules.select(seed, day=DAY, site=SITE, eligible=list(reversed(CLIENTS)), p=P)
        assert first == again == sorted(first)
        other_day = rules.select(
            seed, day=DAY + timedelta(days=1), site=SITE, eligible=CLIENTS, p=P
        )
        other_seed = rules.select(rules.new_seed(), day=DAY, site=SITE, eligible=CLIENTS, p=P)
        # 30 independent coin flips agree by chance with probability below 1e-6.
        assert first != other_day or first != other_seed

    def test_each_client_is_selected_iff_their_number_is_below_p(self) -> None:
        seed = rules.new_seed()
        picked = set(rules.select(seed, day=DAY, site=SITE, eligible=CLIENTS, p=P))
        for client in CLIENTS:
            u = rules.draw_fraction(seed, day=DAY, site=SITE, client=client)
            assert 0 <= u < 1
            assert (client in picked) == (u < P)

    def test_a_chance_of_one_selects_everyone(self) -> None:
        seed = rules.new_seed()
        assert rules.select(seed, day=DAY, site=SITE, eligible=CLIENTS, p=Fraction(1)) == CLIENTS

    def test_probability_is_the_weekly_rate_over_program_days(self) -> None:
        assert rules.probability(2, 5) == Fraction(2, 5)
        assert rules.probability(1.5, 6) == Fraction(1, 4)

    @pytest.mark.parametrize(("rate", "days"), [(0, 5), (6, 5), (-1, 5), (2, 0), (2, 8)])
    def test_impossible_rates_are_refused(self, rate: float, days: int) -> None:
        with pytest.raises(Invalid):
            rules.probability(rate, days)


class TestSealing:
    def test_unsealing_with_the_same_key_gives_the_seed_back(self) -> None:
        seed = rules.new_seed()
        sealed = rules.seal(seed, key=b"k1", site=SITE, day=DAY)
        assert sealed != seed
        assert rules.unseal(sealed, key=b"k1", site=SITE, day=DAY) == seed
        assert rules.unseal(sealed, key=b"k2", site=SITE, day=DAY) != seed


class TestVerify:
    def test_an_untouched_draw_passes(self) -> None:
        facts = revealed(rules.new_seed())
        assert rules.verify(facts, rules.draw_hash(facts)).ok

    def test_each_kind_of_edit_is_named(self) -> None:
        facts = revealed(rules.new_seed(), eligible=CLIENTS)
        stored = rules.draw_hash(facts)
        dropped = replace(facts, selected=facts.selected[1:] or (CLIENTS[0],))
        assert rules.verify(dropped, stored).problems == (
            rules.SELECTION_DIFFERS,
            rules.RECORD_ALTERED,
        )
        reseeded = replace(facts, seed=rules.new_seed().hex())
        problems = rules.verify(reseeded, stored).problems
        assert problems[0] == rules.COMMITMENT_MISMATCH
        assert rules.RECORD_ALTERED in problems
        backdated = replace(facts, committed_at=facts.committed_at - timedelta(days=1))
        assert rules.verify(backdated, stored).problems == (rules.RECORD_ALTERED,)
        # Rewriting the hash too does not hide a changed selection.
        assert rules.verify(dropped, rules.draw_hash(dropped)).problems == (
            rules.SELECTION_DIFFERS,
        )

    def test_a_seed_that_is_not_hex_fails_the_commitment(self) -> None:
        facts = replace(revealed(rules.new_seed()), seed="not hex")
        assert rules.COMMITMENT_MISMATCH in rules.verify(facts, "").problems


@pytest.fixture(scope="module")
def simulated() -> list[set[str]]:
    """Who was selected on each of 10,000 days, each day with its own seed.

    The seeds are fixed (SHA-256 of the day's index, as unrelated to each other as the
    CSPRNG's) so the statistical tests below give the same answer on every run: with fresh
    seeds the chi-square test, rejecting at the 0.001 level, failed one run in 1,000.
    """
    start = date(2000, 1, 3)
    return [
        set(
            rules.select(
                hashlib.sha256(f"simulated day {n}".encode()).digest()[: rules.SEED_BYTES],
                day=start + timedelta(days=n),
                site=SITE,
                eligible=CLIENTS,
                p=P,
            )
        )
        for n in range(DAYS)
    ]


def chi2_survival_even_df(x: float, df: int) -> float:
    """P(X > x) for a chi-square variable with an even number of degrees of freedom.

    Closed form for df = 2m: exp(-x/2) * sum_{j<m} (x/2)^j / j! (Abramowitz & Stegun
    26.4.21), so no statistics package is needed.
    """
    assert df % 2 == 0
    half = x / 2
    return math.exp(-half) * sum(half**j / math.factorial(j) for j in range(df // 2))


class TestStatistics:
    def test_every_client_is_picked_as_often_as_the_rate_says(
        self, simulated: list[set[str]]
    ) -> None:
        """Each client's count over N days is Binomial(N, p): mean Np = 4,000, standard
        deviation sqrt(Np(1-p)) ~ 49. A count more than 5 standard deviations out has
        probability ~5.7e-7 (normal tail), ~2e-5 for any of 30 clients, so a failure means
        the draw is biased, not that the test was unlucky."""
        mean = DAYS * float(P)
        sd = math.sqrt(DAYS * float(P) * (1 - float(P)))
        counts = {c: sum(c in day for day in simulated) for c in CLIENTS}
        outliers = {c: n for c, n in counts.items() if abs(n - mean) > 5 * sd}
        assert not outliers, f"expected {mean:.0f} ± {5 * sd:.0f}: {outliers}"
        weekly = sum(counts.values()) / len(CLIENTS) / (DAYS / 5)
        assert weekly == pytest.approx(2.0, abs=0.05)

    def test_counts_over_clients_fit_chance(self, simulated: list[set[str]]) -> None:
        """Chi-square goodness of fit of the 30 per-client counts to Binomial(N, p) with
        the known p: sum (O - Np)^2 / (Np(1-p)) is chi-square with 30 degrees of freedom
        when the draw is fair. Rejected at the 0.001 level (critical value ~59.7), so a
        fair draw fails this test about once in 1,000 runs."""
        expected = DAYS * float(P)
        variance = expected * (1 - float(P))
        statistic = sum(
            (sum(c in day for day in simulated) - expected) ** 2 / variance for c in CLIENTS
        )
        assert chi2_survival_even_df(statistic, len(CLIENTS)) > 0.001, statistic

    def test_being_picked_yesterday_does_not_change_todays_chance(
        self, simulated: list[set[str]]
    ) -> None:
        """P(picked today | picked yesterday) and P(picked today | not picked yesterday)
        both equal p. With ~120,000 and ~180,000 client-days behind them, their standard
        deviations are below 0.0015; 0.01 is more than 6 of them."""
        after_pick = [0, 0]  # [times picked the next day, times]
        after_miss = [0, 0]
        for yesterday, today in itertools.pairwise(simulated):
            for client in CLIENTS:
                tally = after_pick if client in yesterday else after_miss
                tally[0] += client in today
                tally[1] += 1
        assert after_pick[0] / after_pick[1] == pytest.approx(float(P), abs=0.01)
        assert after_miss[0] / after_miss[1] == pytest.approx(float(P), abs=0.01)
