"""What the reports teach, as pure functions: vectors of meaning (embedding), patterns of similar
near misses and their labels, redaction marks, and the composition of bulletins, digests and
feedback. No storage and no Telegram: the pass and the channels hand in plain data."""
