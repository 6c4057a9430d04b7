"""The layout holds: the dependency rule between layers, and modules a reader can take in.

The rule (README, "Architecture"): in deals, views → forms → services → selectors → access →
domain → models → formatting, each importing only from those after it; teams never imports
deals. The contracts are in pyproject.toml and checked with import-linter.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
# STYLE.md: past about 400 lines a module becomes a package.
MOST_LINES = 420
CODE = ["negprep", "teams", "deals", "bench"]


def test_imports_follow_the_dependency_rule():
    checked = subprocess.run(  # noqa: S603
        [str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "BROKEN" not in checked.stdout


def test_the_rule_is_checked_for_every_layer():
    """A layer missing from the contract would not be checked at all."""
    config = (ROOT / "pyproject.toml").read_text()
    for layer in ["views", "forms", "services", "selectors", "access", "domain", "models", "formatting"]:
        assert f'"deals.{layer}"' in config


def test_no_module_outside_migrations_and_tests_is_too_long_to_read():
    too_long = {
        str(path.relative_to(ROOT)): lines
        for folder in CODE
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts and (lines := len(path.read_text().splitlines())) > MOST_LINES
    }
    assert not too_long, f"split these into packages (STYLE.md): {too_long}"
