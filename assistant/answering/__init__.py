"""Answering: the extractive answerer, document facts, citations and the optional LLM."""
