"""The parts of a gateway call around `exchange.service`: who is calling (auth), how
often it may (ratelimit), where a listing resumes (cursors), what it may see in clear
(masking) and what the call writes (records)."""
