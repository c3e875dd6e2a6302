"""A word-level diff of two texts, rendered as HTML with <ins> and <del>."""

import difflib
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Each word or punctuation run carries its trailing space, so spaces never
# match on their own and split a rewritten phrase into interleaved fragments.
_TOKEN = re.compile(r"\w+\s*|[^\w\s]+\s*|\s+")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


def _marked(tag: str, text: str) -> str:
    core = text.rstrip()
    return f"<{tag}>{escape(core)}</{tag}>" if core else ""


def _trailing_space(text: str) -> str:
    return text[len(text.rstrip()) :]


def word_diff(old: str | None, new: str) -> SafeString:
    """Mark words added and removed since `old`; with no `old` (a first version), plain text."""
    if old is None:
        return escape(new)
    before, after = _tokens(old), _tokens(new)
    # Compare words without their spacing, render them with it.
    matcher = difflib.SequenceMatcher(
        a=[t.strip() for t in before], b=[t.strip() for t in after], autojunk=False
    )
    out: list[str] = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        removed, added = "".join(before[a0:a1]), "".join(after[b0:b1])
        if op == "equal":
            out.append(escape(added))
            continue
        out.append(_marked("del", removed))
        out.append(_marked("ins", added))
        out.append(escape(_trailing_space(added if added else removed)))
    return mark_safe("".join(out))
