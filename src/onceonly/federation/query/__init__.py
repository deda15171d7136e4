"""Cross-province queries: the asking side (`client`), the answering side (`serve`),
and the spouse look-up built on them (`spouse`)."""
