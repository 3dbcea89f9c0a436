"""A normalizing front end for any model: text the wrapped model cannot read is rewritten to words it can.

`words` holds the known words and finds the nearest one (SymSpell), `rewrite` decides what to rewrite in a text,
`model` wraps a model with per-word and per-text caches and saves/loads the normalized model directory.
"""
