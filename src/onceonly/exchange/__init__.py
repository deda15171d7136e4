"""The exchange gateway: granted, masked, audited queries to department sources."""
