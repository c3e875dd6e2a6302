"""Text hygiene shared by the encoders and the scorer.

Answers arrive from a free-text box: people paste HTML from a wiki, emoji,
control characters from a terminal, or a whole essay. Everything here turns
such input into plain text plus flags, and never raises.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field

# About 256 word pieces (the model's window) is ~190 English words; cutting
# a little earlier keeps the whole answer inside the window, so what the
# member wrote last is not silently dropped by the tokenizer alone.
MAX_WORDS = 180

# Fewer words than this rarely state a purpose ("payments", "we help").
MIN_WORDS = 3

_TAG_RE = re.compile(r"<\s*(script|style)\b[^>]*>.*?<\s*/\s*\1\s*>|<[^>]{0,500}>", re.I | re.S)
_WS_RE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u3000]+")
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_SENTENCE_RE = re.compile(r"(?<=[.!?;])\s+|\n+")


@dataclass(frozen=True)
class CleanText:
    text: str
    flags: list[str] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        return words(self.text)


def words(text: str) -> list[str]:
    """Runs of letters or digits, in any script (apostrophes kept inside)."""
    return _WORD_RE.findall(text)


def clean(text: object, *, max_words: int = MAX_WORDS) -> CleanText:
    """Plain, whitespace-normalised text and what was done to get it.

    Flags: ``html_stripped``, ``control_chars_removed``, ``truncated``.
    Anything that is not a string (None, numbers) is treated as text or empty.
    """
    if text is None:
        return CleanText("", [])
    if not isinstance(text, str):
        text = str(text)
    flags: list[str] = []

    if "<" in text and _TAG_RE.search(text):
        # Block-level tags separate sentences; replacing every tag with a
        # space keeps "<li>a</li><li>b</li>" from becoming "ab".
        text = _TAG_RE.sub(" ", text)
        flags.append("html_stripped")
    if "&" in text:
        text = html.unescape(text)

    kept = []
    removed = False
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\n\t":
            kept.append(ch)
        elif cat in ("Cc", "Cs", "Co", "Cn") or (cat == "Cf" and ch not in "\u200d"):
            # Surrogates and unassigned code points would break the tokenizer
            # or encode oddly; zero-width joiner is kept for emoji sequences.
            removed = True
            kept.append(" ")
        else:
            kept.append(ch)
    if removed:
        flags.append("control_chars_removed")
    text = unicodedata.normalize("NFC", "".join(kept))

    lines = [_WS_RE.sub(" ", line).strip() for line in text.splitlines()]
    text = "\n".join(line for line in lines if line)

    if max_words > 0:
        text, cut = _truncate_words(text, max_words)
        if cut:
            flags.append("truncated")
    return CleanText(text, flags)


def _truncate_words(text: str, max_words: int) -> tuple[str, bool]:
    count = 0
    for match in _WORD_RE.finditer(text):
        count += 1
        if count > max_words:
            return text[: match.start()].rstrip(" ,;:-\n"), True
    return text, False


_SENTENCE_STRIP = " \n\t-•*"


def strip_span(text: str, start: int, end: int, chars: str) -> tuple[int, int]:
    """``text[start:end].strip(chars)`` as indices into ``text``."""
    while start < end and text[start] in chars:
        start += 1
    while end > start and text[end - 1] in chars:
        end -= 1
    return start, end


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (see ``sentences``).

    Spans rather than strings so that a sentence's vector can be pooled
    from the token embeddings of the whole answer (one forward pass).
    """
    out = []
    start = 0
    for m in [*_SENTENCE_RE.finditer(text), None]:
        end = m.start() if m else len(text)
        a, b = strip_span(text, start, end, _SENTENCE_STRIP)
        if words(text[a:b]):
            out.append((a, b))
        if m:
            start = m.end()
    return out


def sentences(text: str) -> list[str]:
    """Sentences (and semicolon clauses / lines) of already cleaned text."""
    return [text[a:b] for a, b in sentence_spans(text)]


def looks_non_english(text: str) -> bool:
    """A cheap hint that the text is not English, for a flag only.

    The model was trained on English; other languages still get a score but
    the app should say it is less reliable. Non-Latin letters dominating, or a
    longer text without a single common English word, is the signal.
    """
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return False
    latin = sum(1 for ch in letters if ord(ch) < 0x250)
    if latin / len(letters) < 0.5:
        return True
    toks = [w.lower() for w in words(text)]
    if len(toks) < 5:
        return False
    common = {
        "the",
        "a",
        "an",
        "and",
        "to",
        "of",
        "we",
        "our",
        "for",
        "in",
        "is",
        "are",
        "that",
        "so",
        "with",
        "by",
        "it",
        "they",
        "us",
        "help",
        "make",
        "on",
        "be",
        "can",
        "their",
        "who",
        "people",
        "team",
        "what",
    }
    return not any(t in common for t in toks)
