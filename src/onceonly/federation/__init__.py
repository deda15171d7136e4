"""Federation: two onceonly platforms (one per province) that serve one citizen."""
