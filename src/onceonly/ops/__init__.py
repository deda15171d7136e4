"""Operations: health, metrics, the job runner, backups, retention and a citizen's export."""
