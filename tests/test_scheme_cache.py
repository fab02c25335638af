"""issue 8: scheme validation is cached by file content (kpixl/core/schemecache.py).

An unchanged scheme file is not checked against the JSON Schema again; a changed one is, and
its problems (structural or semantic) are reported exactly as without the cache."""

from __future__ import annotations

import json
import os

import pytest
from conftest import ROOT

from kpixl.core import scheme as scheme_mod
from kpixl.core import schemecache
from kpixl.core.errors import SchemeError

BASE = (ROOT / "schemes" / "weikang_100.json").read_bytes()


@pytest.fixture
def checks(tmp_path, monkeypatch):
    """Counts calls of the JSON Schema check; the cache lives in a fresh XDG_CACHE_HOME."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(schemecache.OFF_ENV, raising=False)
    calls: list[str] = []
    real = scheme_mod.check_document

    def spy(doc, source):
        calls.append(source)
        return real(doc, source)

    monkeypatch.setattr(scheme_mod, "check_document", spy)
    scheme_mod._load_cached.cache_clear()
    yield calls
    scheme_mod._load_cached.cache_clear()


def load(path):
    scheme_mod._load_cached.cache_clear()  # a new run: the in-process cache is empty
    return scheme_mod.load_scheme(path)


def test_unchanged_scheme_is_not_validated_again(tmp_path, checks):
    copy = tmp_path / "mine.json"
    copy.write_bytes(BASE)
    first = load(copy)
    assert len(checks) == 1
    second = load(copy)
    assert len(checks) == 1  # same bytes, same kpixl and schema: no second JSON Schema check
    assert second.id == first.id and list(second.rules) == list(first.rules)
    entries = list((tmp_path / "cache" / "kpixl" / "schemes").iterdir())
    assert len(entries) == 1 and not entries[0].name.startswith(".")  # no temporary file left


def test_edited_scheme_is_validated_and_its_error_reported(tmp_path, checks):
    copy = tmp_path / "mine.json"
    copy.write_bytes(BASE)
    load(copy)
    doc = json.loads(BASE)
    doc["period"] = 12  # the JSON Schema wants a string
    copy.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SchemeError) as caught:
        load(copy)
    assert len(checks) == 2
    assert any("$.period" in p.where for p in caught.value.problems)
    with pytest.raises(SchemeError):  # a failure is never cached: checked again, reported again
        load(copy)
    assert len(checks) == 3


def test_semantic_error_reported_even_when_structure_is_cached(tmp_path, checks):
    doc = json.loads(BASE)
    doc["rules"].append(dict(doc["rules"][0]))  # the same rule code twice (a semantic check)
    copy = tmp_path / "dup.json"
    copy.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(SchemeError) as caught:
            load(copy)
        assert [p.code for p in caught.value.problems] == ["rule_duplicate"]
    assert len(checks) == 1  # the structure passed once; the semantic check ran both times


def test_foreign_or_unreadable_cache_entry_is_ignored(tmp_path, checks):
    copy = tmp_path / "mine.json"
    copy.write_bytes(BASE)
    load(copy)
    (entry,) = (tmp_path / "cache" / "kpixl" / "schemes").iterdir()
    entry.write_bytes(b"\xff garbage")
    load(copy)
    assert len(checks) == 2
    assert entry.read_text() == entry.name  # rewritten


def test_unwritable_cache_and_off_switch(tmp_path, checks, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # cannot make a folder under a file
    copy = tmp_path / "mine.json"
    copy.write_bytes(BASE)
    load(copy)
    load(copy)
    assert len(checks) == 2  # still loads; just checked each time
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv(schemecache.OFF_ENV, "0")
    load(copy)
    load(copy)
    assert len(checks) == 4 and not (tmp_path / "cache").exists()


def test_key_depends_on_version_and_schema(tmp_path, monkeypatch):
    import kpixl

    schema = tmp_path / "s.json"
    schema.write_text("{}")
    k1 = schemecache.content_key(BASE, schema)
    assert schemecache.content_key(BASE + b" ", schema) != k1
    monkeypatch.setattr(kpixl, "__version__", "9.9.9")
    assert schemecache.content_key(BASE, schema) != k1
    other = tmp_path / "t.json"
    other.write_text('{"type": "object"}')
    assert schemecache.content_key(BASE, other) != schemecache.content_key(BASE, schema)


def test_entries_follow_the_umask(tmp_path, checks):
    old = os.umask(0o077)
    try:
        copy = tmp_path / "mine.json"
        copy.write_bytes(BASE)
        load(copy)
    finally:
        os.umask(old)
    (entry,) = (tmp_path / "cache" / "kpixl" / "schemes").iterdir()
    assert entry.stat().st_mode & 0o777 == 0o600


def test_no_home_directory_means_no_cache(tmp_path, checks, monkeypatch):
    monkeypatch.delenv("XDG_CACHE_HOME")

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(schemecache.Path, "home", staticmethod(no_home))
    copy = tmp_path / "mine.json"
    copy.write_bytes(BASE)
    assert load(copy).id == "weikang_100"
    load(copy)
    assert len(checks) == 2
