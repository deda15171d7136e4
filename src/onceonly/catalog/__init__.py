"""The resource catalog: register first, then use."""
