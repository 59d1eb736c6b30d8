"""``python -m toolkit.synth [--out FOLDER]``: regenerate the sample units."""

from toolkit.synth.cli import main

raise SystemExit(main())
