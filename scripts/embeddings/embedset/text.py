"""Sentence splitting and the prose filters of make_dataset.py."""

from __future__ import annotations

import re

ABBREV = {
    "mr", "mrs", "ms", "dr", "st", "jr", "sr", "prof", "gen", "gov", "sen", "rep", "col",
    "lt", "capt", "adm", "maj", "sgt", "hon", "rev", "vs", "etc", "e.g", "i.e", "cf", "al",
    "inc", "corp", "co", "ltd", "no", "nos", "vol", "fig", "approx", "est", "dept", "univ",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "mt", "ft", "ave", "u.s", "u.k", "u.n", "b.c", "a.d", "a.m", "p.m", "ca", "viz",
    "lieut", "cmdr", "comdr", "brig", "messrs", "esq", "pres", "supt", "gens", "ref", "pp",
}
STOP = set(
    "the of and to in a is that for it as was with be by on are this an or from at which "
    "its has have not but were their been also can other more used one such these they "
    "into than may all would will there when who had his he we our i any some has only "
    "under between after over about most first new both two".split()
)
_SPLIT = re.compile(r"(?<=[.!?])([\"')\]]?)\s+(?=[\"'(\[]?[A-Z0-9])")
_INITIALS = re.compile(r"^(?:[A-Za-z]\.)+$")


def split_sentences(text: str) -> list[str]:
    """Regex sentence splitter that keeps common abbreviations and initials together."""
    out: list[str] = []
    start = 0
    for m in _SPLIT.finditer(text):
        end = m.end(1)
        piece = text[start:end]
        last = piece.rstrip("\"')]").split()[-1] if piece.split() else ""
        word = last.strip("\"'()[]").rstrip(".!?").lower()
        if last.endswith(".") and (word in ABBREV or _INITIALS.match(last)):
            continue
        out.append(piece.strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return [s for s in out if s]


def good_sentence(s: str) -> bool:
    """Real English prose sentence: capitalised, terminated, mostly words, some stopwords."""
    if not (20 <= len(s) <= 400):
        return False
    if not (s[0].isupper() or s[0] in "\"'(" or s[0].isdigit()):
        return False
    if s.rstrip("\"')]")[-1:] not in (".", "!", "?"):
        return False
    if "://" in s or "@" in s or "{" in s or "}" in s or "\t" in s or "|" in s:
        return False
    words = s.split()
    if len(words) < 5:
        return False
    letters = sum(c.isalpha() for c in s)
    if letters < 0.65 * len(s):
        return False
    low = [w.strip(".,;:()\"'").lower() for w in words]
    if sum(w in STOP for w in low) < max(2, 0.15 * len(words)):
        return False
    if sum(not c.isascii() for c in s) > 0.05 * len(s):
        return False
    return True


def good_runs(text: str) -> list[list[str]]:
    """Split a paragraph into sentences; return the runs of consecutive good sentences
    (a rejected sentence ends a run, so passages never skip over text)."""
    runs: list[list[str]] = [[]]
    for s in split_sentences(text):
        if good_sentence(s):
            runs[-1].append(s)
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]


def clean_ws(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def norm_key(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()
