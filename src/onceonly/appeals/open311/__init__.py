"""Open311 GeoReport v2 helpers for `appeals.api`: the XML form of every answer."""
