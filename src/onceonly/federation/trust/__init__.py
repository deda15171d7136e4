"""What nodes trust each other by: this node's keys and signed messages (`messages`),
sending them over HTTP (`transport`), and re-checking peers' descriptors (`refresh`)."""
