"""``python -m toolkit.synth [--out FOLDER]``: the command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from toolkit.i18n import t
from toolkit.synth.files import write_samples
from toolkit.synth.profiles import SAMPLE_UNITS

# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m toolkit.synth [--out FOLDER]``: regenerate the sample units."""
    parser = argparse.ArgumentParser(
        prog="python -m toolkit.synth", description=t("synth.cli_help")
    )
    parser.add_argument("--out", default="sample_data", help=t("synth.cli_out"))
    args = parser.parse_args(argv)
    write_samples(args.out)
    print(t("synth.written", n_units=len(SAMPLE_UNITS), folder=args.out))
    return 0
