"""What every ``didkit`` command shares: output, errors and exit codes.

Exit codes (CONVENTIONS.md): 0 ok, 1 check failed (verification failed, DID not found),
2 usage (Typer's own), 3 bad input, I/O or network. Results go to stdout, messages and
progress to stderr; ``--json`` prints exactly one JSON document on stdout.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from ..errors import DidkitError, InvalidInput, NotFound, StorageError, VerificationError

__all__ = [
    "EXIT_CHECK_FAILED",
    "EXIT_INPUT",
    "EXIT_OK",
    "JsonOpt",
    "err_console",
    "exit_code_for",
    "handle_errors",
    "out_console",
    "print_json",
    "read_json_file",
    "read_text_file",
]

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_INPUT = 3

#: Largest input file a command reads; larger ones are refused rather than loaded.
MAX_INPUT_BYTES = 8 * 1024 * 1024

out_console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document on stdout.")]

P = ParamSpec("P")
R = TypeVar("R")


def exit_code_for(error: DidkitError) -> int:
    """A failed check (or a DID that does not exist) is 1; everything else we raise is 3."""
    return EXIT_CHECK_FAILED if isinstance(error, VerificationError | NotFound) else EXIT_INPUT


def _debug_enabled() -> bool:
    ctx = click_context()
    return bool(ctx and ctx.find_root().obj and ctx.find_root().obj.get("debug"))


def click_context() -> typer.Context | None:
    """The running command's context (Typer ≥ 0.25 vendors click, with its own context stack)."""
    try:
        from typer._click.globals import get_current_context
    except ImportError:  # older Typer: plain click
        from click import get_current_context  # type: ignore[no-redef]
    return get_current_context(silent=True)  # type: ignore[return-value]


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn our errors into one stderr line and the right exit code; ``--debug`` re-raises."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DidkitError as exc:
            if _debug_enabled():
                raise
            err_console.print(f"[red]error[/] {exc.code}: {exc}", highlight=False, markup=True)
            raise typer.Exit(exit_code_for(exc)) from None
        except KeyboardInterrupt:
            err_console.print("[yellow]interrupted[/]")
            raise typer.Exit(130) from None

    return wrapper


def print_json(data: Any) -> None:
    """Exactly one JSON document on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def read_text_file(path: Path | str, *, what: str = "file") -> str:
    """Read a UTF-8 input file (``-`` for stdin) with a size limit and clear errors."""
    if str(path) == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    else:
        p = Path(path)
        try:
            with p.open("rb") as fh:
                data = fh.read(MAX_INPUT_BYTES + 1)
        except FileNotFoundError:
            raise StorageError(f"{what} not found: {p}", code="io.not_found") from None
        except OSError as exc:
            raise StorageError(f"cannot read {what} {p}: {exc.strerror}", code="io.read") from None
    if len(data) > MAX_INPUT_BYTES:
        raise InvalidInput(f"{what} is larger than {MAX_INPUT_BYTES} bytes", code="io.too_large")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{what} is not UTF-8 text", code="io.encoding") from None


def read_json_file(path: Path | str, *, what: str = "JSON file") -> Any:
    """Read and parse a JSON input file with the same limits; bad JSON is :class:`InvalidInput`."""
    text = read_text_file(path, what=what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{what} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", code="io.json"
        ) from None
    except RecursionError:
        raise InvalidInput(f"{what} is nested too deeply", code="io.json_depth") from None
