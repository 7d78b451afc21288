"""Compile the ``.po`` catalogues to ``.mo`` with Babel: ``python -m server.i18n.build [--check]``.

Without ``--check`` every ``.mo`` is written anew beside its ``.po``; with it nothing is written and the
exit code is 1 (naming each file) when a committed ``.mo`` is missing or differs from its ``.po``.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from server.i18n import LOCALE_DIR

REPRODUCIBLE_DATE = datetime(2026, 1, 1, tzinfo=UTC)


def catalogue_sources(root: Path = LOCALE_DIR) -> Iterator[Path]:
    """Every ``.po`` file under ``root``, in a stable order."""
    yield from sorted(root.glob("*/LC_MESSAGES/*.po"))


def compiled(po_path: Path) -> bytes:
    """The ``.mo`` bytes of ``po_path`` (fuzzy entries left out, as gettext's msgfmt does)."""
    with po_path.open("rb") as handle:
        locale = po_path.parent.parent.name if po_path.parent.name == "LC_MESSAGES" else None
        catalog = read_po(handle, locale=locale, domain=po_path.stem)
    # Babel stamps a missing date with the time of compiling; a fixed one keeps the output reproducible.
    catalog.creation_date = catalog.revision_date = REPRODUCIBLE_DATE
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def stale_catalogues(root: Path = LOCALE_DIR) -> list[Path]:
    """The ``.mo`` files that are missing or do not match their ``.po``."""
    return [po.with_suffix(".mo") for po in catalogue_sources(root) if not _fresh(po)]


def _fresh(po: Path) -> bool:
    mo = po.with_suffix(".mo")
    return mo.exists() and mo.read_bytes() == compiled(po)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--check"]:
        stale = stale_catalogues()
        for path in stale:
            print(f"stale catalogue: {path} (run python -m server.i18n.build)", file=sys.stderr)
        return 1 if stale else 0
    if args:
        print("usage: python -m server.i18n.build [--check]", file=sys.stderr)
        return 2
    for po in catalogue_sources():
        po.with_suffix(".mo").write_bytes(compiled(po))
    return 0


if __name__ == "__main__":
    sys.exit(main())
