"""Invisible "format" characters (Unicode category Cf) in typed text.

A zero-width space, a joiner, a word joiner, a byte-order mark, a soft hyphen or a bidi mark shows
as nothing in Excel, but makes ``商务一组`` and ``商务一组`` + U+200B two teams, or ``KF002`` and
``KF002`` + U+200B two people. Such characters come with text pasted from web pages, chat tools and
PDFs. kpixl compares and reads text as it is seen: without them (the parser says which cells
held one). The ranges are every Cf character of Unicode 15 (tests/test_invisible_text.py checks
them against ``unicodedata``); a character class both Python's ``re`` and Arrow's RE2 read.
"""

from __future__ import annotations

import re

CF_RANGES = (
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F),
    (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
    (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
CLASS = "[" + "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in CF_RANGES) + "]"
_INVISIBLE = re.compile(CLASS)


def has_invisible(text: str) -> bool:
    return not text.isascii() and _INVISIBLE.search(text) is not None


def visible(text: str) -> str:
    """``text`` without its invisible format characters."""
    return text if text.isascii() else _INVISIBLE.sub("", text)


def first_invisible(text: str) -> str:
    """The first invisible character of ``text`` as people look it up: ``U+200B``."""
    m = _INVISIBLE.search(text)
    return f"U+{ord(m.group()):04X}" if m else ""
