"""Speed of toolkit.privacy on large columns.

Measures, best of ``--repeat`` runs each:

* ``identity_number_mask`` on 5 000 000 ordinary ids ("R0000123"), as the
  loader sees them (pandas 3 ``str`` dtype, pyarrow-backed), as Python
  objects, and as integers, and on 5 000 000 ISO dates (most cells of a
  unit's tables are dates);
* ``identity_number_mask`` on 1 000 000 identity numbers in mixed written
  forms (text) and as 12-digit integers;
* ``identity_number_mask`` on 100 000 identity numbers in the rarer forms
  (space, no-break space, en dash, dotted date, full-width digits), which
  take the Python path, and on 1 000 000 free-text notes of which 1 % hold a
  number;
* ``pseudonymise`` of 1 000 000 identity numbers (about 300 000 distinct
  people, each hashed once);
* ``suppress_small_counts`` with a row total on 100 000 rows × 6 counts.

Target (issue): the 5 000 000 ordinary ids well under 1 s.

Run::

    .venv/bin/python benchmarks/bench_privacy.py
    .venv/bin/python benchmarks/bench_privacy.py --ids 1000000 --numbers 200000
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from toolkit.privacy import identity_number_mask, pseudonymise, suppress_small_counts


def best_of(repeat: int, func: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def luhn_digits(nine: np.ndarray) -> np.ndarray:
    """Check digits for an (n, 9) array of digits (textbook Luhn)."""
    weights = np.array([2, 1, 2, 1, 2, 1, 2, 1, 2])
    products = nine * weights
    total = (products // 10 + products % 10).sum(axis=1)
    return (10 - total % 10) % 10


def synthetic_numbers(n: int, rng: np.random.Generator) -> np.ndarray:
    """n valid synthetic 12-digit numbers (random dates 1930-2024), as int64."""
    days = rng.integers(0, (pd.Timestamp("2024-12-31") - pd.Timestamp("1930-01-01")).days, n)
    born = pd.Timestamp("1930-01-01") + pd.to_timedelta(days, unit="D")
    yy, mm, dd = born.year % 100, born.month, born.day
    serial = rng.integers(0, 1000, n)
    body = np.asarray(yy * 10**7 + mm * 10**5 + dd * 10**3 + serial, dtype=np.int64)
    nine = (body[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    century = np.asarray(born.year // 100, dtype=np.int64)
    return century * 10**10 + body * 10 + luhn_digits(nine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", type=int, default=5_000_000)
    parser.add_argument("--numbers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(20240101)

    ids = pd.Series([f"R{i:07d}" for i in range(args.ids)], dtype="str")
    ids_object = ids.astype(object)
    ids_int = pd.Series(np.arange(args.ids, dtype=np.int64) + 100_000)
    days = pd.date_range("2000-01-01", periods=9000, freq="D").strftime("%Y-%m-%d").to_numpy()
    dates = pd.Series(days[np.arange(args.ids) % days.size], dtype="str")

    people = synthetic_numbers(max(args.numbers * 3 // 10, 1), rng)
    numbers = people[rng.integers(0, people.size, args.numbers)]
    text12 = numbers.astype(str)
    short = np.array([s[2:8] + "-" + s[8:] for s in text12])
    long_dash = np.array([s[:8] + "-" + s[8:] for s in text12])
    form = rng.integers(0, 3, args.numbers)
    mixed = pd.Series(
        np.where(form == 0, text12, np.where(form == 1, short, long_dash)), dtype="str"
    )
    as_int = pd.Series(numbers)
    n_rare = max(args.numbers // 10, 1)
    rare_forms = (
        lambda s: s[2:8] + " " + s[8:],
        lambda s: s[2:8] + "\u00a0" + s[8:],
        lambda s: s[:8] + "\u2013" + s[8:],
        lambda s: f"{s[:4]}.{s[4:6]}.{s[6:8]}-{s[8:]}",
        lambda s: s.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    )
    rare = pd.Series(
        [rare_forms[i % len(rare_forms)](s) for i, s in enumerate(text12[:n_rare])], dtype="str"
    )
    words = np.array(
        ["ringde", "om", "tid", "bokad", "återbud", "remiss", "mottagen", "2024-01-15"]
    )
    notes = np.array([" ".join(rng.choice(words, 6)) for _ in range(1000)])
    notes = notes[rng.integers(0, notes.size, args.numbers)].astype(object)
    with_number = rng.random(args.numbers) < 0.01
    notes[with_number] = "ringde " + short[: int(with_number.sum())] + " igen"
    free_text = pd.Series(notes, dtype="str")

    rows = [
        (f"mask, {args.ids:,} ordinary ids, str dtype", lambda: identity_number_mask(ids)),
        (f"mask, {args.ids:,} ordinary ids, object", lambda: identity_number_mask(ids_object)),
        (f"mask, {args.ids:,} ordinary ids, int64", lambda: identity_number_mask(ids_int)),
        (f"mask, {args.ids:,} ISO dates, str dtype", lambda: identity_number_mask(dates)),
        (
            f"mask, {args.numbers:,} identity numbers, text",
            lambda: identity_number_mask(mixed),
        ),
        (
            f"mask, {args.numbers:,} identity numbers, int64",
            lambda: identity_number_mask(as_int),
        ),
        (
            f"mask, {n_rare:,} identity numbers, rarer forms (Python path)",
            lambda: identity_number_mask(rare),
        ),
        (
            f"mask, {args.numbers:,} free-text notes, 1 % with a number",
            lambda: identity_number_mask(free_text),
        ),
        (
            f"pseudonymise, {args.numbers:,} identity numbers ({people.size:,} distinct)",
            lambda: pseudonymise(
                pd.DataFrame({"pnr": mixed}), ["pnr"], "benchmark key, not secret"
            ),
        ),
    ]
    counts = pd.DataFrame(rng.poisson(8, size=(100_000, 6)), columns=list("abcdef"))
    counts["total"] = counts.sum(axis=1)
    rows.append(
        (
            "suppress_small_counts, 100,000 rows x 6 counts + total",
            lambda: suppress_small_counts(counts, list("abcdef"), total="total"),
        )
    )
    assert identity_number_mask(mixed).all() and not identity_number_mask(ids).any()
    assert identity_number_mask(rare).all()
    assert (identity_number_mask(free_text) == with_number).all()
    print(f"{'case':<70} {'seconds':>8}")
    for label, func in rows:
        print(f"{label:<70} {best_of(args.repeat, func):8.3f}")


if __name__ == "__main__":
    main()
