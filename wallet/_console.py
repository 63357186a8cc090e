"""The wallet's consoles and error handling (no emoji codes: ``did:key:`` must stay ``did:key:``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from didkit_py.cli._common import exit_code_for
from didkit_py.errors import DidkitError

__all__ = ["DEBUG", "err_console", "handle_errors", "out_console"]

out_console = Console(soft_wrap=True, emoji=False)
err_console = Console(stderr=True, soft_wrap=True, emoji=False)

#: Set by the root callback from ``--debug``. (With typer 0.29 / click 8.5 no click context is
#: current while a command runs, so the flag cannot be read back from ``ctx.obj`` there.)
DEBUG: ContextVar[bool] = ContextVar("wallet_debug", default=False)

P = ParamSpec("P")
R = TypeVar("R")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """One stderr line and the CONVENTIONS exit code for our errors; ``--debug`` re-raises."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DidkitError as exc:
            if DEBUG.get():
                raise
            err_console.print(f"[red]error[/] {escape(exc.code)}: {escape(str(exc))}", highlight=False)
            # A wallet usage error (e.g. a selection that does not fit the request) says so itself.
            code = getattr(exc, "exit_code", None)
            raise typer.Exit(code if isinstance(code, int) else exit_code_for(exc)) from None
        except KeyboardInterrupt:
            err_console.print("[yellow]interrupted[/] (nothing was sent)")
            raise typer.Exit(130) from None

    return wrapper
