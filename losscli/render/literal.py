"""Text from outside (values, column and file names, messages quoting them), shown literally.

The one place that decides how such text is made safe for a human-facing format:

- ``visible`` escapes what a terminal or a table would interpret or hide: every
  character Python's ``str.isprintable`` calls non-printable (C0 and C1 controls,
  ESC, DEL, newlines, tabs, line and paragraph separators, format characters such
  as bidirectional overrides, lone surrogates), as ``repr`` writes it (``\\n``,
  ``\\x1b``, ``\\u202e``); with a ``charset``, also every character that charset
  cannot encode (``\\xe9`` on an ASCII terminal). Backslashes themselves are kept.
- ``markdown`` is ``visible`` plus a backslash before every character markdown
  would read as syntax (emphasis, code, links, HTML, entities, table pipes, GitHub's
  emoji codes and math).

The rich table is given ``visible`` text as ``rich.text.Text``, never as markup.
CSV and JSON need none of this: their writers escape by their own rules, exactly.
Nothing here imports more than the standard library: messages use it too.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# ASCII punctuation markdown (CommonMark, GitHub) can read as syntax inside a table cell.
_MARKDOWN_SYNTAX = frozenset("\\`*[]<>|~&$")


def visible(text: str, charset: str | None = None) -> str:
    """``text`` with every non-printable (or, given a charset, unencodable) character escaped."""
    fits = _encoder(charset)
    if text.isprintable() and fits(text):
        return text
    return "".join(ch if ch.isprintable() and fits(ch) else _escaped(ch) for ch in text)


def markdown(text: str, charset: str | None = None) -> str:
    """``visible`` text for a markdown table cell or line: shown as these characters."""
    shown = visible(text, charset)
    out = []
    for i, ch in enumerate(shown):
        if ch in _MARKDOWN_SYNTAX or _markdown_sensitive(shown, i):
            out.append("\\")
        out.append(ch)
    return "".join(out)


def is_unicode(charset: str | None) -> bool:
    """Whether ``charset`` encodes every character (None: the text stays ``str``)."""
    return charset is None or codecs.lookup(charset).name.startswith("utf")


def _encoder(charset: str | None) -> Callable[[str], bool]:
    if is_unicode(charset):
        return lambda text: True
    assert charset is not None

    def fits(text: str) -> bool:
        try:
            text.encode(charset)
        except UnicodeEncodeError:
            return False
        return True

    return fits


def _escaped(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _markdown_sensitive(text: str, i: int) -> bool:
    """An ``_`` that may start or end emphasis (one between letters or digits never does),
    or a ``:`` that may open a GitHub emoji code such as ``:smile:`` or ``:+1:``."""
    after = text[i + 1 : i + 2]
    if text[i] == "_":
        return not (i > 0 and text[i - 1].isalnum() and after.isalnum())
    return text[i] == ":" and (after.isalnum() or after in ("_", "+", "-"))
