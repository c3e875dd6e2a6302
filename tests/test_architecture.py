"""The layers hold: apps depend one way, the engine stands alone, migrations don't loop."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db.migrations.loader import MigrationLoader

REPO = Path(__file__).resolve().parents[1]
APPS = ["teams", "purpose", "surveys", "insights", "demo"]  # lowest first
PACKAGES = ["alignment", *APPS]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_the_import_contracts_are_kept():
    result = _lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("teams/models.py", "import insights.models  # noqa", "Apps depend one way"),
        ("purpose/selectors.py", "from surveys.models import Response  # noqa", "Apps depend one way"),
        ("alignment/text.py", "import django  # noqa", "The alignment engine imports no app"),
    ],
)
def test_a_circle_added_on_purpose_breaks_a_contract(tmp_path, module, line, contract):
    """The contract is not vacuous: the same check fails on a copy with one upward import added."""
    for package in PACKAGES:
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    assert _lint_imports(tmp_path).returncode == 0
    with (tmp_path / module).open("a") as fh:
        fh.write(f"\n{line}\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout


def _inner_imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name != "ready":
            for sub in ast.walk(node):
                if isinstance(sub, ast.ImportFrom):
                    module = "." * sub.level + (sub.module or "")
                    yield sub.lineno, module
                elif isinstance(sub, ast.Import):
                    for alias in sub.names:
                        yield sub.lineno, alias.name


def test_no_project_import_hides_inside_a_function():
    """An import inside a function is how a circle gets dodged; only AppConfig.ready may connect signals."""
    found = []
    for package in [*PACKAGES, "config"]:
        for path in (REPO / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for lineno, module in _inner_imports(path):
                if module.startswith(".") or module.split(".")[0] in [*PACKAGES, "config"]:
                    found.append(f"{path.relative_to(REPO)}:{lineno} imports {module}")
    assert found == []


@pytest.mark.django_db
def test_migrations_depend_one_way_between_apps():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    rank = {app: i for i, app in enumerate(APPS)}
    upward = [
        f"{app}.{name} depends on {dep_app}.{dep_name}"
        for (app, name), migration in loader.disk_migrations.items()
        if app in rank
        for dep_app, dep_name in migration.dependencies
        if dep_app in rank and rank[dep_app] > rank[app]
    ]
    assert upward == []


def test_every_queued_task_name_is_a_registered_task():
    from config.celery import app
    from insights.queue import TASK_NAMES
    from surveys.emails import SEND_INVITATIONS, SEND_REMINDERS
    from teams.importing.jobs import TASK_NAMES as TEAMS_TASK_NAMES
    from teams.invitations import TASK_NAMES as INVITATION_TASK_NAMES

    app.loader.import_default_modules()
    for name in [*TASK_NAMES, SEND_INVITATIONS, SEND_REMINDERS, *TEAMS_TASK_NAMES, *INVITATION_TASK_NAMES]:
        assert name in app.tasks, name
