"""Small text helpers shared by services: slugs and accent-insensitive matching."""
from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """Lower-case without accents: 'Fryslân' and 'fryslan' match."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def slugify(text: str, *, max_length: int = 80) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:max_length].rstrip("-") or "groep"
