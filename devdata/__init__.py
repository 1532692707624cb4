"""Demo and load-generation code: `seed_demo`, `generate_load` and every app's demo data.

It lives apart from the production apps (as Zulip's `zilencer`) so that none of them can lean
on it: devdata may import every app, and no production module imports devdata
(tests/devdata/test_import_graph.py keeps it so).
"""
