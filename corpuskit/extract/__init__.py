"""HTML pages and WARC/ARC archives into the document stream.

    from corpuskit.extract import ExtractConfig, extract, read_pages
    docs = extract(read_pages(["crawl.warc.gz"]), ExtractConfig(), stats)

Modules: sources (HTML files, archives and JSON lines read as pages), charset (a page's bytes
to text, as browsers decide), engines (the extractors, trafilatura and resiliparse, and the
text conventions they write), step (the time-limited extraction and its accounting).
"""

from corpuskit.extract.sources import Page, PageReader, read_pages
from corpuskit.extract.step import ExtractConfig, extract, extract_page

__all__ = ["ExtractConfig", "Page", "PageReader", "extract", "extract_page", "read_pages"]
