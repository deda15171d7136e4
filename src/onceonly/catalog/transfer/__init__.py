"""Bulk import and export of a sharing list, as provinces publish them (CSV or JSON).

One row per resource; the format is documented in docs/catalog.md and an example ships
in docs/examples/sharing-list.csv. `rows` reads a file into raw rows (and holds the
list syntax inside a cell), `check` turns each row into a checked declaration or names
what is wrong with it, `importing` writes a clean file, `exporting` writes the catalog
back out in the same format.
"""
