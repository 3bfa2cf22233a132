"""Keep the gettext catalogs in step with the code: `python -m nearmiss.catalogs`.

Extracts every msgid into locales/messages.pot, merges it into each language's messages.po,
and fills the British English catalog (the source language) with the msgids themselves, so a
later proofreading pass can change wording without touching code. Other languages are left for
translators; the test suite fails while any msgid is missing or empty there.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from core.settings import locales_dir

SOURCE_LANGUAGE = "en"


def pybabel(*args: str, cwd: Path | None = None) -> None:
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), *args], check=True, cwd=cwd)


def extract(root: Path, pot: Path) -> None:
    pybabel("extract", "-F", str(root / "babel.cfg"), "-k", "N_", "-k", "NP_:1,2", "-k", "_",
            "--no-default-keywords", "--project=nearmiss",
            "--copyright-holder=nearmiss contributors", "--no-wrap", "--sort-by-file",
            "-o", str(pot), ".", cwd=root)


def fill_source(po_path: Path) -> None:
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=SOURCE_LANGUAGE)
    for message in catalog:
        if message.id:  # British English is the source: its text is the msgid itself
            message.string = message.id
        message.flags.discard("fuzzy")
    with po_path.open("wb") as handle:
        write_po(handle, catalog, width=0, sort_by_file=True)


def main() -> int:
    locales = locales_dir()
    root = locales.parent
    pot = locales / "messages.pot"
    extract(root, pot)
    for po_path in sorted(locales.glob("*/LC_MESSAGES/messages.po")):
        # No fuzzy matching: a guessed translation of a different sentence is worse than none.
        pybabel("update", "--no-wrap", "--ignore-obsolete", "--no-fuzzy-matching", "-i", str(pot),
                "-o", str(po_path), "-l", po_path.parent.parent.name)
    fill_source(locales / SOURCE_LANGUAGE / "LC_MESSAGES" / "messages.po")
    return 0


if __name__ == "__main__":
    sys.exit(main())
