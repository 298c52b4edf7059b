"""Retrieval: the indexed corpus, BM25, dense search in Chroma, fused and scoped."""
