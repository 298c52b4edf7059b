"""BM25 over syllables and syllable pairs (bm25s), as a LangChain retriever."""

from __future__ import annotations

import bm25s
import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.retrieval.corpus import Corpus, to_document
from kernel.text import lexical_terms
from kernel.types import Passage


class LexicalRetriever(BaseRetriever):
    """BM25 (bm25s) over syllables and syllable pairs, as written and diacritics-folded."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    corpus: Corpus
    k: int = 30
    _written: bm25s.BM25
    _folded: bm25s.BM25

    def model_post_init(self, __context: object) -> None:
        texts = [c.index_text for c in self.corpus.chunks]
        self._written = bm25s.BM25()
        self._written.index([lexical_terms(t, folded=False) for t in texts], show_progress=False)
        self._folded = bm25s.BM25()
        self._folded.index([lexical_terms(t, folded=True) for t in texts], show_progress=False)

    def scores(self, text: str, folded: bool) -> np.ndarray:
        """BM25 score of every chunk; questions typed without accents use the folded index."""
        index = self._folded if folded else self._written
        terms = lexical_terms(text, folded=folded)
        if not terms or not self.corpus.chunks:
            return np.zeros(len(self.corpus.chunks))
        return np.asarray(index.get_scores(terms))

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        s = self.scores(query, folded=True)
        order = np.argsort(-s)[: self.k]
        return [
            to_document(Passage(chunk=self.corpus.chunks[i], score=float(s[i])))
            for i in order
            if s[i] > 0
        ]
