"""Once-only reach (issue 18): the materials the platform supplies instead of asking —
derived statements, generated forms, account details — and the figure that measures
how much of the catalog is fetched, reused or still asked."""
