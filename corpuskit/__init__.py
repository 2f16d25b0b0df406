"""corpuskit: turn scraped text into clean training corpora.

The library functions stream `Doc` records and never touch the command line, so the same
steps serve the CLI, a Python script, `datasets.map` or a cluster engine.
"""

__version__ = "0.1.0"

from corpuskit.doc import Doc  # noqa: E402
from corpuskit.io import read_documents  # noqa: E402
from corpuskit.normalize import NormalizeConfig, normalize_and_explain, normalize_text  # noqa: E402

# The stream functions live in their step's module (`corpuskit.normalize.normalize`,
# `corpuskit.strip.strip`): re-exporting them here would hide the modules of the same name.
__all__ = ["Doc", "NormalizeConfig", "normalize_and_explain", "normalize_text", "read_documents"]
