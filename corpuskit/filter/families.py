"""The signal families. Each family module fills corpuskit.filter.signals.SIGNALS with its
own signals when it is imported; the registry itself imports none of them. Whoever reads
the registry (packs that name signals, the step that computes them) imports this module.
"""

from corpuskit.filter import c4, fineweb, gopher, news, vi  # noqa: F401

FAMILIES = (c4, fineweb, gopher, news, vi)
