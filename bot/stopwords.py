"""English and German stop words: the little words a search ignores, for matching and for marking hits.

A search runs over English and German passages at once and a member may type either language, so a word is
ignored when it is a stop word in either. Words that are a stop word in one language but carry meaning in the
other are kept: German "die", "war", "will", "man", "bald", "rot", "hat" and English "also", "bin", "hang".
Compared after case and diacritic folding, as the search index (unicode61, remove_diacritics 2) compares.
"""

from __future__ import annotations

import unicodedata

_ENGLISH_WORDS = """
    a about above after again against all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her
    here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
    now of off on once only or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why with would you your yours yourself yourselves
"""

_GERMAN_WORDS = """
    aber alle allem allen aller alles als am an auch auf aus bei beim bis bist da damit dann das dass dein deine
    dem den denn der des dich dir doch dort du durch ein eine einem einen einer eines er es etwas euch euer eure
    für gegen gewesen habe haben hast hatte hatten ich ihm ihn ihnen ihr ihre ihrem ihren ihrer im in ins ist ja
    jede jedem jeden jeder jedes jener kann kein keine keinem keinen mein meine mich mir mit nach nicht noch nun
    nur ob oder ohne sehr sein seine seinem seinen seiner sich sie sind so soll sollte sondern um und uns unser
    unsere unter vom von vor wann warum was weil welche welchem welchen welcher welches wenn wer werde werden wie
    wieder wir wird wirst wo zu zum zur über
"""

ENGLISH = frozenset(_ENGLISH_WORDS.split())
GERMAN = frozenset(_GERMAN_WORDS.split())
KEPT = frozenset({"die", "war", "will", "man", "bald", "rot", "hat", "also", "bin", "hang"})
"""Stop words in one language that are content words in the other (see the module docstring)."""


def fold(word: str) -> str:
    """Case and diacritics folded ("Für" → "fur"), as the search index compares words."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


_STOP = frozenset(fold(word) for word in (ENGLISH | GERMAN) - KEPT)


def is_stop_word(word: str) -> bool:
    """True for a word too common to search for ("and", "oder", "the", "für")."""
    return fold(word) in _STOP
