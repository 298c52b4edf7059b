"""Hybrid retrieval: dense search in Chroma plus BM25, fused by reciprocal rank, scoped.

Both retrievers are LangChain ``BaseRetriever``s; :class:`HybridRetriever` composes them
and can be piped with LCEL. The question's scope (province, year) boosts passages; it
never removes every candidate.
"""

from __future__ import annotations

import logging
from functools import cached_property

import numpy as np
from langchain_chroma import Chroma
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.question.scope import Scope, understand
from assistant.retrieval.corpus import Corpus, to_document
from assistant.retrieval.lexical import LexicalRetriever
from kernel import store
from kernel.settings import Settings
from kernel.text import heading_years, years
from kernel.types import Passage

log = logging.getLogger(__name__)


class HybridRetriever(BaseRetriever):
    """Dense + BM25 with reciprocal-rank fusion and scope boosts."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    corpus: Corpus
    vectorstore: Chroma | None
    lexical: LexicalRetriever
    settings: Settings
    use_dense: bool = True
    use_lexical: bool = True

    @cached_property
    def _text_years(self) -> list[list[int]]:
        return [years(c.index_text) for c in self.corpus.chunks]

    def retrieve(
        self, scope: Scope, k: int | None = None, qvec: np.ndarray | None = None
    ) -> list[Passage]:
        """Ranked passages for a question already understood as ``scope``."""
        r = self.settings.retrieval
        k = k or r.k
        n = len(self.corpus.chunks)
        if n == 0:
            return []
        fused = np.zeros(n)
        ranks: dict[int, dict[str, int]] = {}
        if self.use_lexical:
            folded = scope.lang == "vi-nodiacritics"
            lex = self.lexical.scores(scope.search_text, folded=folded)
            for rank, i in enumerate(np.argsort(-lex)[: r.k_lexical]):
                if lex[i] <= 0:
                    break
                fused[i] += 1.0 / (r.rrf_k + rank + 1)
                ranks.setdefault(int(i), {})["bm25"] = rank + 1
        if self.use_dense and self.vectorstore is not None:
            for rank, i in enumerate(self._dense(scope, qvec)):
                fused[i] += r.dense_weight / (r.rrf_k + rank + 1)
                ranks.setdefault(i, {})["dense"] = rank + 1
        unscoped = fused.copy()
        fused *= self._boosts(scope)
        order = [int(i) for i in np.argsort(-fused) if fused[i] > 0]
        picked = order[:k]
        # Every document in scope gets its best passages in, so a comparison sees both sides.
        for f in scope.files:
            own = [i for i in order if self.corpus.chunks[i].file == f][:4]
            picked += [i for i in own if i not in picked]
        # The best passages outside the scope come last: the answerer checks that the metric
        # asked about is not stated only for another province (a near miss is no answer).
        if scope.files:
            outside = [
                int(i)
                for i in np.argsort(-unscoped)
                if unscoped[i] > 0 and self.corpus.chunks[i].file not in scope.files
            ]
            picked += [i for i in outside[:3] if i not in picked]
        return [
            Passage(chunk=self.corpus.chunks[i], score=float(fused[i]), ranks=ranks.get(i, {}))
            for i in picked
        ]

    def _dense(self, scope: Scope, qvec: np.ndarray | None = None) -> list[int]:
        """Chunk indices by dense similarity; scoped documents are searched on their own too."""
        r = self.settings.retrieval
        vec = (
            qvec.tolist()
            if qvec is not None
            else self.vectorstore.embeddings.embed_query(self.corpus.dense_text(scope))
        )
        only_chunks = {"kind": store.CHUNK}
        hits = self.vectorstore.similarity_search_by_vector_with_relevance_scores(
            vec, k=r.k_dense, filter=only_chunks
        )
        if scope.files:
            scoped = self.vectorstore.similarity_search_by_vector_with_relevance_scores(
                vec, k=r.k_dense, filter={"$and": [only_chunks, {"file": {"$in": scope.files}}]}
            )
            hits = sorted(hits + scoped, key=lambda h: h[1])  # distances: smaller is closer
        seen: list[int] = []
        for doc, _ in hits:
            i = self.corpus.by_id.get(doc.id or "")
            if i is not None and i not in seen:
                seen.append(i)
        return seen

    def _boosts(self, scope: Scope) -> np.ndarray:
        b = np.ones(len(self.corpus.chunks))
        boost = self.settings.retrieval.scope_boost
        for i, c in enumerate(self.corpus.chunks):
            if scope.files:
                b[i] *= boost if c.file in scope.files else 1.0 / boost
            if scope.years:
                wanted = set(scope.years)
                section_years = set(heading_years(c.headings))
                if section_years & wanted or wanted & set(self._text_years[i]):
                    b[i] *= 1.5  # the year asked is the section's, or the passage says it
                elif section_years:
                    b[i] *= 0.6  # a section about another year
        return b

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [to_document(p) for p in self.retrieve(understand(query, self.corpus.docs))]


def build_retriever(
    settings: Settings,
    corpus: Corpus,
    embeddings: Embeddings | None,
    *,
    client=None,
    use_dense: bool = True,
    use_lexical: bool = True,
) -> HybridRetriever:
    """The hybrid retriever over the live collection (dense part skipped without embeddings)."""
    vs = None
    if embeddings is not None and use_dense:
        vs = Chroma(
            client=client or store.client(settings),
            collection_name=corpus.collection,
            embedding_function=embeddings,
        )
    return HybridRetriever(
        corpus=corpus,
        vectorstore=vs,
        lexical=LexicalRetriever(corpus=corpus, k=settings.retrieval.k_lexical),
        settings=settings,
        use_dense=use_dense,
        use_lexical=use_lexical,
    )
