"""Gates and baselines: judgements made on a finished result, beside rendering."""
