"""A word-level diff of two texts, rendered as HTML with <ins> and <del>."""

import difflib
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


def word_diff(old: str | None, new: str) -> SafeString:
    """Mark words added and removed since `old`; with no `old` (a first version), plain text."""
    if old is None:
        return escape(new)
    before, after = _tokens(old), _tokens(new)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape("".join(before[a0:a1])))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(''.join(before[a0:a1]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(''.join(after[b0:b1]))}</ins>")
    return mark_safe("".join(out))
