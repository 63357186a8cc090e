"""`--debug` is the one way to see a traceback; without it an error is one line and an exit code."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from didkit_py.cli.main import app
from didkit_py.errors import InvalidInput


def test_error_is_one_line_without_debug(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "a credential"}')
    result = CliRunner().invoke(app, ["vc", "verify", str(bad)])
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    assert "format.unrecognized" in result.output


def test_debug_reraises_with_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "a credential"}')
    result = CliRunner().invoke(app, ["--debug", "vc", "verify", str(bad)])
    assert result.exit_code != 0
    assert isinstance(result.exception, InvalidInput)


def test_commands_load_lazily() -> None:
    """`didkit key …` must not import web3 or the demo: each command loads only its module."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from didkit_py.cli.main import app, _COMMANDS\n"
        "import typer.main\n"
        "assert not any(m in sys.modules for m in ('web3', 'torch', 'didkit_py.demo'))\n"
        "group = typer.main.get_command(app)\n"
        "assert sorted(group.list_commands(None)) == sorted(_COMMANDS)\n"
        "group.get_command(None, 'key')\n"
        "assert 'didkit_py.cli.key' in sys.modules\n"
        "assert not any(m in sys.modules for m in ('web3', 'torch', 'didkit_py.demo'))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
