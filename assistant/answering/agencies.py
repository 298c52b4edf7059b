"""What an agency leads: the list items of a section whose lead agency is the one asked."""

from __future__ import annotations

from assistant.answering.features import Candidate, item_units
from assistant.question.intent import Intent, has
from kernel.vocabulary import cues, vocabulary


def led_items(pool: list[Candidate], intent: Intent, budget: int) -> list[Candidate]:
    """What the agency a question asks about leads ("Văn phòng UBND tỉnh chủ trì những
    nhiệm vụ nào?"): the list items of ``pool`` (a section's units) whose lead ("Cơ quan chủ
    trì: …") is that agency, each whole — the task, its lead, its deadline — in document
    order, within ``budget`` characters. Empty when the question names no agency or no item
    is led by it. An agency is told by the first one a text names ("Văn phòng Ủy ban nhân
    dân tỉnh" names the Ủy ban too)."""
    if not intent.owner:
        return []
    vocab = vocabulary()
    # The asking part: an agency in the context ("Em ở Sở Tư pháp, …") is the asker's.
    asked = vocab.agencies(intent.content)[:1]
    if not asked:
        return []
    leads = cues().intents["owner"]
    items: dict[tuple[str, int], list[Candidate]] = {}
    for c in pool:
        if item_units(c.chunk.units, c.unit_no, nested=True):
            items.setdefault((c.chunk.id, c.unit.block), []).append(c)
    out: list[Candidate] = []
    size = 0
    for units in items.values():
        led = any(has(u.text, leads) and vocab.agencies(u.text)[:1] == asked for u in units)
        length = sum(len(u.text) for u in units)
        if led and (not out or size + length <= budget):
            out += units
            size += length
    return sorted(out, key=lambda c: (c.chunk.start, c.unit_no))
