"""The engine: batches of rows → per-key sums (partials) → merged → finalized values."""
