"""The branch registry (server/store/branches.py) on SQLite and PostgreSQL: names in, names out, clear errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect

from server.core.config import load_default_config
from server.core.errors import JournalError
from server.store.branches import BranchError, BranchName, BranchRegistry, receives_branch_journals
from server.store.journal import Journal, make_engine


def test_put_get_names_rename_remove(database_url: str) -> None:
    journal = Journal.open(database_url)
    try:
        registry = BranchRegistry(journal.engine)
        assert registry.names() == {} and registry.get("seef") is None
        stored = registry.put("seef", " فرع السيف ", "Seef branch")
        assert stored == BranchName("seef", "فرع السيف", "Seef branch")
        registry.put("jidali", "فرع جد علي", "Jidali branch", datetime(2025, 1, 5, tzinfo=UTC))
        assert list(registry.names()) == ["jidali", "seef"]
        registry.put("seef", "فرع السيف — بنك الإسكان", "Seef — Eskan Bank")  # a rename, not a second row
        assert registry.get("seef") == BranchName("seef", "فرع السيف — بنك الإسكان", "Seef — Eskan Bank")
        assert len(registry.names()) == 2
        assert registry.remove("jidali") is True and registry.remove("jidali") is False
        assert list(registry.names()) == ["seef"]
        own = registry.put_config(load_default_config())
        assert registry.get("hq") == own and own.name_en == load_default_config().branch.name_en
    finally:
        journal.close()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda r: r.put("Seef", "أ", "A"), "invalid branch id 'Seef'"),
        (lambda r: r.put("seef branch", "أ", "A"), "invalid branch id 'seef branch'"),
        (lambda r: r.put("", "أ", "A"), "invalid branch id ''"),
        (lambda r: r.put("s" * 41, "أ", "A"), "(1-40 characters)"),
        (lambda r: r.get("9seef"), "invalid branch id '9seef'"),
        (lambda r: r.remove("se/ef"), "invalid branch id 'se/ef'"),
        (lambda r: r.put("seef", "  ", "Seef"), "branch 'seef': the Arabic name is empty"),
        (lambda r: r.put("seef", "أ", ""), "branch 'seef': the English name is empty"),
        (lambda r: r.put("seef", "أ", "x" * 121), "the English name is longer than 120 characters"),
        (lambda r: r.put("seef", "أ\nب", "Seef"), "the Arabic name must be one line"),
    ],
)
def test_bad_ids_and_names_give_one_line(
    tmp_path: Path, call: Callable[[BranchRegistry], object], message: str
) -> None:
    journal = Journal.open(f"sqlite:///{tmp_path / 'j.db'}")
    try:
        registry = BranchRegistry(journal.engine)
        with pytest.raises(BranchError) as caught:
            call(registry)
        assert message in str(caught.value) and "\n" not in str(caught.value)
        assert registry.names() == {}  # nothing stored
    finally:
        journal.close()


def test_the_table_comes_from_the_migrations(database_url: str) -> None:
    journal = Journal.open(database_url)
    try:
        columns = {c["name"] for c in inspect(journal.engine).get_columns("branches")}
        assert columns == {"branch_id", "name_ar", "name_en", "updated_at"}
    finally:
        journal.close()


def test_an_unmigrated_database_is_a_journal_error(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bare.db'}")
    try:
        with pytest.raises(JournalError, match="the branch registry is unavailable"):
            BranchRegistry(engine).names()
    finally:
        engine.dispose()


def test_sqlite_receives_no_branch_journals(tmp_path: Path) -> None:
    journal = Journal.open(f"sqlite:///{tmp_path / 'j.db'}")
    try:
        assert receives_branch_journals(journal.engine) == []
    finally:
        journal.close()
