"""Understanding a question: its scope (province, year, pillar), follow-ups, English terms."""
