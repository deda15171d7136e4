"""Checking the log is whole: full verification (`verify`), the cheap check against a
kept checkpoint (`consistency`) and the readiness check on the sequencer (`health`)."""
