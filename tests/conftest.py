"""Fixtures shared by the test suite.

The shared corpora and reference outputs live in ../shared beside the checkout (NGRAMLM_SHARED overrides the
place). Tests that need them skip with a clear message where they are absent, except in CI (CI=true), where
their absence is an error: CI must run every cross-check.
"""
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NGRAMLM_SHARED", REPO.parent / "shared"))


def _need(path: Path) -> Path:
    if not path.exists():
        message = f"{path} is not here (the shared corpora and references sit in ../shared beside the checkout)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def shared_corpora() -> Path:
    """../shared/corpora: brown, brown-10k, ptb, wikitext-2, ... each with train/valid/test.txt."""
    return _need(SHARED / "corpora")


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """../shared/reference: SRILM and KenLM outputs for exact comparison (see its README)."""
    return _need(SHARED / "reference")


@pytest.fixture
def in_srilm_data(monkeypatch):
    """Run in tests/data/srilm, where SRILM made the committed outputs: its messages name the files as given."""
    monkeypatch.chdir(Path(__file__).parent / "data" / "srilm")
