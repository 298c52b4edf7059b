"""The shared kernel of ingest and assistant: settings, types, text, tokens, vocabulary,
gazetteer, the embedding model and the Chroma store. Nothing here imports a stage."""
