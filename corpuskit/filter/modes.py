"""The filter step's modes, a module of their own so that the schemas of pipeline files can
name them without importing the step."""

MODES = ("drop", "tag")
PII_MODES = ("replace", "tag", "off")
PARAGRAPH_MODES = ("auto", "all", "off")
