"""The log itself: the sequencer numbers entries into an RFC 9162 Merkle tree (`merkle`)
and signs checkpoints (`notes`, `checkpoints`); `proofs` answers inclusion and
consistency proofs from the stored tree."""
