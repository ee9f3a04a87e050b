"""The README's two set-up commands are the ones CI and users run."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks(text):
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    test_command = _bash_blocks(readme)[1]
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines


def test_readme_main_job_is_an_xlfolio_subcommand():
    from addin.cli import build_parser

    readme = (ROOT / "README.md").read_text()
    main_job = _bash_blocks(readme)[0]
    subcommand = main_job.split("xlfolio ")[-1].split()[0]
    parser = build_parser()
    choices = parser._subparsers._group_actions[0].choices
    assert subcommand in choices


@pytest.mark.slow
def test_readme_function_reference_is_generated_from_the_udf_metadata():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "addin.function_reference", str(ROOT / "README.md"), "--check"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
