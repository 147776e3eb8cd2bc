# SPDX-License-Identifier: Apache-2.0
"""Where the tests find the repository's fixtures and vectors, and the command-line tool they
compare with ($SNPMEASURE_CLI). The module under test is whichever `import snpmeasure` finds:
the source tree (PYTHONPATH) with $SNPMEASURE_LIBRARY, or the installed package."""
import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"


@pytest.fixture
def fixture():
    def path(rel):
        p = FIXTURES / rel
        assert p.is_file(), f"missing fixture {p}"  # a missing fixture fails, never skips
        return str(p)
    return path


@pytest.fixture
def cli():
    path = os.environ.get("SNPMEASURE_CLI")
    assert path, "SNPMEASURE_CLI names the snpmeasure to compare with"
    return path
