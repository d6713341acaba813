"""The public portal (双随机、一公开 公示): published draws, their records and the verifier."""
