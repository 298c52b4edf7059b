"""The answer chain: understand → retrieve → answer, as a LangChain Runnable, and ``ask``.

The extractive answerer is the default everywhere; an LLM server, when configured, writes
the answer instead and is checked against the passages, falling back to the extractive
answer with a notice whenever it fails or cites a figure the passages do not contain.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from langchain_core.runnables import Runnable, RunnableLambda

from assistant.answering.citations import as_passages, cite, holding
from assistant.answering.extractive import Extractor
from assistant.answering.facts import about_the_document, answer_facts
from assistant.answering.llm import LLMClient, LLMUnavailable, build_context
from assistant.answering.missing import missing_document, missing_of_year
from assistant.answering.scorer import Scorer
from assistant.question.followup import asked_as_before, resolve, user_turns
from assistant.question.intent import Intent, understand_intent
from assistant.question.language import detect_lang
from assistant.question.scope import Scope, understand
from assistant.retrieval.corpus import Corpus, load_corpus
from assistant.retrieval.hybrid import HybridRetriever, build_retriever
from assistant.targets.answer import answer_from_targets
from assistant.targets.extract import corpus_targets
from kernel.embeddings import load_embeddings
from kernel.settings import Settings, get_settings
from kernel.text import fold
from kernel.tokens import get_encoding
from kernel.types import OTHER_LANGUAGE, REFUSAL, REFUSAL_EN, Answer, Citation, Draft, Passage

log = logging.getLogger(__name__)

EMPTY_QUESTION = "Vui lòng nhập câu hỏi. / Please type a question."
NO_DOCUMENT_IN_FILTER = (
    "Không có văn bản nào thuộc phạm vi đã chọn; hãy chọn lại tỉnh hoặc văn bản. / "
    "No document matches the selected scope."
)
# Control characters and lone surrogates (valid in JSON, not in UTF-8) are dropped.
# HTML pasted or typed into the box: its tags and scripts are not what is asked ("<b>…</b>"
# keeps its words); markup alone asks nothing. "< 5%" is no tag (a letter follows "<").
_MARKUP = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>|</?[a-zA-Z][^<>]*>", re.S | re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# Invisible format characters (zero-width spaces and joiners, soft hyphen, BOM, bidi
# controls) are removed: they split words for search, and alone they are no question.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


@dataclass
class _State:
    """What flows through the chain."""

    question: str
    history: Any = None
    filters: dict | None = None
    resolved: str = ""
    scope: Scope = field(default_factory=Scope)
    intent: Intent = field(default_factory=Intent)
    qvec: np.ndarray | None = None  # the question's e5 vector (None without dense search)
    passages: list[Passage] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def clean_question(question: Any, limit: int) -> tuple[str, str | None]:
    """The question as NFC text without control characters and markup, or a message why
    not."""
    if not isinstance(question, str):
        return "", EMPTY_QUESTION
    q = _CONTROL.sub(" ", unicodedata.normalize("NFC", _INVISIBLE.sub("", question)))
    q = _MARKUP.sub(" ", q).strip()
    if not q:
        return "", EMPTY_QUESTION
    n = max(len(q), len(question))  # what was sent counts, not only what is left of it
    if n > limit:
        return "", (
            f"Câu hỏi quá dài ({n:,} ký tự); giới hạn là {limit:,} ký tự. Vui lòng rút gọn. / "
            f"Question too long ({n:,} characters); the limit is {limit:,}."
        ).replace(",", ".")
    return q, None


class Assistant:
    """Everything needed to answer: the corpus, retriever, extractor and optional LLM."""

    def __init__(
        self,
        settings: Settings,
        *,
        corpus: Corpus | None = None,
        use_dense: bool = True,
        use_lexical: bool = True,
        client=None,
        scorer: Scorer | None = None,
        load_scorer: bool = True,
    ) -> None:
        self.settings = settings
        if corpus is None:
            corpus, _ = load_corpus(settings)
        self.corpus = corpus
        embeddings = load_embeddings(settings) if use_dense else None
        self.retriever: HybridRetriever = build_retriever(
            settings,
            corpus,
            embeddings,
            client=client,
            use_dense=use_dense,
            use_lexical=use_lexical,
        )
        self.embeddings = embeddings
        if scorer is None and load_scorer:  # the shipped weights (training starts without)
            scorer = Scorer.load()
        self.extractor = Extractor(corpus, scorer)
        self.targets = corpus_targets(corpus.chunks, corpus.docs, corpus.vectors)
        self.llm: LLMClient | None = None
        if settings.answer.backend == "llm" and settings.llm.base_url:
            self.llm = LLMClient(settings.llm)
        self.chain = self._build_chain()

    # -- the chain ---------------------------------------------------------------------
    def _build_chain(self) -> Runnable:
        return (
            RunnableLambda(self._understand, name="understand")
            | RunnableLambda(self._retrieve, name="retrieve")
            | RunnableLambda(self._answer, name="answer")
        )

    def as_runnable(self) -> Runnable:
        """``{"question", "history"?, "filters"?}`` (or a plain string) → :class:`Answer`."""
        return RunnableLambda(
            lambda x: self.ask(x) if isinstance(x, str) else self.ask(**x), name="nqcds_ask"
        )

    def interpret(self, question: str, history: Any = None) -> tuple[str, Scope, Intent]:
        """The question completed from the history, its scope and its intent."""
        spelled = self.corpus.shorthand.expand(question)
        turns = self.settings.answer.max_history_turns
        resolved = resolve(spelled, history, turns)
        intent = understand_intent(resolved)
        if resolved != spelled:  # a follow-up asks what the last question asked, unless it says
            last = user_turns(history, turns)[-1:]
            intent = asked_as_before(intent, self.corpus.shorthand.expand(last[0]) if last else "")
        across = bool(intent.rank or intent.compare)  # "tỉnh nào …?": no province by default
        scope = understand(resolved, self.corpus.docs, content=intent.content, home=not across)
        if resolved != question:  # a follow-up is answered in its own language
            scope.reply_lang = detect_lang(question)
        return resolved, scope, intent

    def _understand(self, st: _State) -> _State:
        t = time.perf_counter()
        st.resolved, st.scope, st.intent = self.interpret(st.question, st.history)
        allowed = _allowed_files(st.filters, self.corpus)
        if allowed is not None:
            st.scope.files = [f for f in st.scope.files if f in allowed] or (
                sorted(allowed) if len(allowed) == 1 else []
            )
        st.timings["understand_ms"] = (time.perf_counter() - t) * 1000
        return st

    def _retrieve(self, st: _State) -> _State:
        t = time.perf_counter()
        if self.embeddings is not None:
            st.qvec = np.asarray(self.embeddings.embed_query(self.corpus.dense_text(st.scope)))
        passages = self.retriever.retrieve(st.scope, k=self.settings.retrieval.k, qvec=st.qvec)
        allowed = _allowed_files(st.filters, self.corpus)
        if allowed is not None:
            passages = [p for p in passages if p.chunk.file in allowed]
        st.passages = passages
        st.timings["retrieve_ms"] = (time.perf_counter() - t) * 1000
        return st

    def _answer(self, st: _State) -> Answer:
        t = time.perf_counter()
        if st.scope.reply_lang == "other":  # the documents are read in Vietnamese (and English)
            return Answer(
                question=st.question,
                answer=f"{REFUSAL} {OTHER_LANGUAGE}",
                refused=True,
                notice=OTHER_LANGUAGE,
                scope=st.scope.as_dict(),
                timings=st.timings,
            )
        allowed = _allowed_files(st.filters, self.corpus)
        rows = [r for r in self.targets if allowed is None or r.file in allowed]
        facts, table = self.decided(st.question, st.resolved, st.scope, st.intent, rows)
        if table is not None:  # a row's sentence is cited in its passage, as units are
            table = as_passages(table, self.corpus.chunks, self.corpus.by_id, self.corpus.docs)
        if facts is not None or table is not None:
            draft = facts if facts is not None else table
            draft.ranking = [c.id for c in self._cited_chunks(draft.citations)]
            st.passages = self._with_cited(st.passages, draft.citations)
        else:
            draft = self.extractor.answer(st.resolved, st.scope, st.intent, st.passages, st.qvec)
            if draft.refused and st.intent.facts:  # no passage says it: the catalog may
                fallback = answer_facts(
                    st.resolved, st.scope, st.intent.facts, self.corpus.docs, self.corpus.chunks
                )
                if fallback is not None and not fallback.refused:
                    draft = fallback
                    draft.ranking = [c.id for c in self._cited_chunks(draft.citations)]
                    st.passages = self._with_cited(st.passages, draft.citations)
        st.passages = _rerank(st.passages, draft.ranking)
        text = draft.text
        if draft.refused and st.scope.reply_lang == "en" and REFUSAL_EN not in text:
            text = text.replace(REFUSAL, f"{REFUSAL} / {REFUSAL_EN}", 1)
        answer = Answer(
            question=st.question,
            answer=text,
            citations=draft.citations,
            passages=st.passages,
            refused=draft.refused,
            scope={
                **st.scope.as_dict(),
                "intent": st.intent.as_dict(),
                "resolved_question": st.resolved,
            },
        )
        if self.llm is not None and facts is None and table is None:
            self._llm_answer(answer, st)
        st.timings["answer_ms"] = (time.perf_counter() - t) * 1000
        answer.timings = st.timings
        return answer

    def decided(
        self, question: str, resolved: str, scope: Scope, intent: Intent, rows: list | None = None
    ) -> tuple[Draft | None, Draft | None]:
        """The answer decided before any unit is scored, as ``(facts, table)``: the catalog's
        (a document it does not hold, or not of the year asked, is named as such; a document
        fact), else the targets table's (``rows``, all by default)."""
        facts = missing_document(resolved, intent.facts, self.corpus) or missing_of_year(
            question, intent.facts, scope.files or list(self.corpus.docs), self.corpus
        )
        if (
            facts is None
            and intent.facts
            and about_the_document(resolved, scope, self.corpus.docs, question)
        ):
            facts = answer_facts(
                resolved, scope, intent.facts, self.corpus.docs, self.corpus.chunks
            )
        if facts is not None:
            return facts, None
        table = answer_from_targets(
            resolved, scope, intent, self.targets if rows is None else rows, self.corpus.docs
        )
        return None, table

    def _llm_answer(self, answer: Answer, st: _State) -> None:
        """Replace the extractive answer by a checked LLM answer, or explain why not."""
        enc = get_encoding(self.settings.chunking.encoding)
        ctx = build_context(st.passages, self.settings.answer.context_tokens, enc)
        try:
            result = self.llm.generate(st.resolved, ctx)
        except LLMUnavailable as exc:
            log.warning("LLM unavailable: %s", exc)
            answer.notice = (
                "Máy chủ mô hình ngôn ngữ không phản hồi; hiển thị câu trả lời trích xuất. / "
                "The LLM server is unavailable; showing the extractive answer."
            )
            return
        if REFUSAL in result.text:
            answer.answer, answer.citations, answer.refused = REFUSAL, [], True
            answer.backend = "llm"
            return
        if result.unsupported_numbers or not result.cited:
            why = ", ".join(result.unsupported_numbers) or "không có trích dẫn"
            answer.notice = (
                f"Câu trả lời của mô hình ngôn ngữ có số liệu không có trong đoạn trích ({why}); "
                "hiển thị câu trả lời trích xuất. / The LLM answer was not supported by the "
                "passages; showing the extractive answer."
            )
            return
        answer.answer = result.text
        answer.citations = [cite(n, ctx[n - 1].chunk, (), self.corpus.docs) for n in result.cited]
        answer.refused = False
        answer.backend = "llm"

    def _cited_chunks(self, citations: list[Citation]) -> list:
        """The chunks holding each citation's supporting sentence, in citation order."""
        out = []
        for cit in citations:
            chunk = holding(cit, self.corpus.chunks)
            if chunk is not None and chunk not in out:
                out.append(chunk)
        return out

    def _with_cited(self, passages: list[Passage], citations: list[Citation]) -> list[Passage]:
        """Passages plus the cited ones that retrieval did not return (fact answers)."""
        have = {p.chunk.id for p in passages}
        extra = [Passage(chunk=c) for c in self._cited_chunks(citations) if c.id not in have]
        return extra + passages

    # -- the API -----------------------------------------------------------------------
    def ask(self, question: Any, history: Any = None, filters: dict | None = None) -> Answer:
        """Answer ``question`` (with the conversation ``history`` for follow-ups)."""
        t0 = time.perf_counter()
        q, problem = clean_question(question, self.settings.answer.max_question_chars)
        if problem:
            return Answer(question=str(question)[:200], answer=problem, notice=problem)
        filters = filters if isinstance(filters, dict) else None
        if _allowed_files(filters, self.corpus) == set():
            return Answer(question=q, answer=NO_DOCUMENT_IN_FILTER, notice=NO_DOCUMENT_IN_FILTER)
        answer = self.chain.invoke(_State(q, history, filters))
        answer.timings["total_ms"] = (time.perf_counter() - t0) * 1000
        return answer


def _rerank(passages: list[Passage], ranking: list[str]) -> list[Passage]:
    """Order passages as the answerer ranked them (the rest keep retrieval order)."""
    pos = {cid: i for i, cid in enumerate(ranking)}
    return sorted(passages, key=lambda p: pos.get(p.chunk.id, len(pos)))


def _allowed_files(filters: dict | None, corpus: Corpus) -> set[str] | None:
    """Files the user restricted the search to (by file name or province), or None."""
    if not filters:
        return None

    def names(key: str) -> set[str]:
        value = filters.get(key)
        return (
            {v for v in value if isinstance(v, str)} if isinstance(value, list | tuple) else set()
        )

    files = names("files") & set(corpus.docs)
    provinces = {fold(p) for p in names("provinces")}  # "khanh hoa" selects Khánh Hòa
    files |= {f for f, m in corpus.docs.items() if fold(m.province) in provinces}
    if not files and (names("files") or provinces):
        return set()  # a filter that matches no document searches nothing, not everything
    return files or None


@lru_cache(maxsize=1)
def get_assistant() -> Assistant:
    """The process-wide assistant for the configured settings."""
    return Assistant(get_settings())


def ask(question: str, history: Any = None, filters: dict | None = None) -> Answer:
    """Answer a question with the default assistant. See :meth:`Assistant.ask`."""
    return get_assistant().ask(question, history=history, filters=filters)
