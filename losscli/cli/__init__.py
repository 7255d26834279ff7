"""The command line: click commands, options, config, output and progress."""

from .main import evaluate, main, run

__all__ = ["evaluate", "main", "run"]
