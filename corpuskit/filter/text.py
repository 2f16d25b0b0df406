"""Words, lines, paragraphs and sentences as the quality signals count them.

The published filters (Gopher, C4, FineWeb) are defined over "words" and "sentences", and
their reference implementations (datatrove) take those from spaCy's English tokenizer.
corpuskit tokenizes with one regular expression that reproduces what matters of it for the
signals: punctuation is split off words as its own tokens (so it can be counted as
symbols), a run of periods is one token, and a period stays on a word where spaCy keeps it
(abbreviations such as `Mr.`, `U.S.`, `e.g.`, single capitals as in `A. B. Jones`), because
that decides where sentences end. Words joined by internal punctuation that is not a
sentence mark (`3.5`, `www.x.com`, `1,200`) stay one token.

A Vietnamese word is a syllable: syllables are written apart, so the same tokenizer gives
syllables and the packs set per-language thresholds (mean word length, stop words) for
them. Scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Burmese) have
each character of that script counted as a word, the usual approximation in web-corpus
filters that have no segmenter.

>>> words("Mr. Smith went to the U.S. on Jan. 5. He said: \\"Hi.\\" Then... left!")
['Mr.', 'Smith', 'went', 'to', 'the', 'U.S.', 'on', 'Jan.', '5', '.', 'He', 'said', ':', '"', 'Hi', '.', '"', 'Then', '...', 'left', '!']
>>> count_sentences(words("Mr. Smith went to the U.S. on Jan. 5. He said: \\"Hi.\\" Then... left!"))
3
"""

from __future__ import annotations

import regex

# Abbreviations after which a period belongs to the word (spaCy's English exceptions, the
# part of them that occurs in running text).
ABBREVIATIONS = frozenset(
    """Mr Mrs Ms Dr St Mt Jr Sr Prof Rev Sen Rep Gov Gen Adm Messrs Bros Inc Ltd Co co Corp vs
    Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Ala Ariz Ark Calif Colo Conn Del Fla Ga Ia
    Id Ill Ind Kan Kans Ky La Mass Md Mich Minn Miss Mo Mont Neb Nebr Nev Okla Ore Pa Tenn Va
    Wash Wis Ak""".split()
)

# Characters of scripts written without spaces between words.
_UNSPACED = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}"

_TOKEN = regex.compile(
    rf"[{_UNSPACED}]"                                  # one character of an unspaced script
    rf"|(?:[^\W{_UNSPACED}]\.){{2,}}"                  # U.S. e.g. a.m. Ph.D.-like runs
    rf"|[^\W{_UNSPACED}]+(?:[.,:/@'’\-_+][^\W{_UNSPACED}]+)*"  # words, numbers, hosts, it's
    r"|\.{2,}|…"                                       # an ellipsis is one token
    r"|[^\w\s]",                                       # any other symbol, one at a time
    regex.V0,
)
_CLITIC = regex.compile(r"(?i)^(.+?)('(?:s|re|ve|ll|d|m)|n't)$")

# Sentence-final marks (a token made of exactly one of these ends a sentence, as in
# spaCy's sentencizer).
SENTENCE_MARKS = frozenset(".!?։؟۔܀܁܂।॥၊။።፧፨᙮᜵᜶᠃᠉᥄᥅᪨᪩᪪᪫᭚᭛᭞᭟᰻᰼᱾᱿‼‽⁇⁈⁉⸮⸼꓿꘎꘏꛳꛷꡶꡷꣎꣏꤯꧈꧉꩝꩞꩟꫰꫱꯫﹒﹖﹗！．？｡。")


def words(text: str) -> list[str]:
    """The tokens of `text`: words (syllables in Vietnamese), numbers and symbols."""
    tokens = _TOKEN.findall(text)
    out: list[str] = []
    append = out.append
    for i, token in enumerate(tokens):
        if token == "." and out and _keeps_period(out[-1], tokens, i):
            out[-1] += "."
            continue
        if "'" in token or "’" in token:
            match = _CLITIC.match(token)
            if match and match.group(1)[-1:].isalpha():
                append(match.group(1))
                append(match.group(2))
                continue
        append(token)
    return out


def _keeps_period(previous: str, tokens: list[str], i: int) -> bool:
    """Whether the period at `tokens[i]` stays on the word before it (an abbreviation or a
    single capital, not at the end of the text)."""
    if i + 1 >= len(tokens):
        return previous in ABBREVIATIONS
    return previous in ABBREVIATIONS or (len(previous) == 1 and previous.isupper())


def is_symbol(token: str) -> bool:
    """A token made only of punctuation and symbols (not a word, not a number)."""
    return not any(ch.isalnum() for ch in token)


def count_sentences(tokens: list[str]) -> int:
    """Sentences as spaCy's sentencizer counts them: a new one starts at the first word
    after a token that is a single sentence mark (`.`, `!`, `?`, `。`…). An ellipsis does
    not end a sentence, nor does the period of an abbreviation."""
    if not tokens:
        return 0
    count, seen_mark = 1, False
    for token in tokens:
        if token in SENTENCE_MARKS:
            seen_mark = True
        elif seen_mark and not is_symbol(token):
            count += 1
            seen_mark = False
    return count
