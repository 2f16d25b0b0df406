"""The filter step: language identification, quality signals (Gopher, C4, FineWeb) and
personal data, configured by YAML packs (filters/ holds the bundled ones).

One module per part: `text` (tokens and sentences), `signals` (the registry) with the
families `gopher`, `c4`, `fineweb`; `langid`; `pii`; `packs` (YAML); `step` (the stream).
"""

from corpuskit.filter.packs import Pack, PackError, default_packs_dir, load_packs
from corpuskit.filter.step import FilterConfig, filter_documents

__all__ = ["FilterConfig", "Pack", "PackError", "default_packs_dir", "filter_documents", "load_packs"]
