"""The relevance set (search/relevance_set.json) and its measures: precision@3 and nDCG@10
over what the results page shows, for tests/search/test_relevance_set.py and `make bench`."""

import json
import math
from pathlib import Path

from .query import parse_query
from .selectors import search, search_suggestion

RELEVANCE_SET = Path(__file__).with_name("relevance_set.json")
TOP3_GAIN, TOP10_GAIN = 2, 1


def relevance_set() -> list[dict]:
    return json.loads(RELEVANCE_SET.read_text(encoding="utf-8"))["queries"]


def _result_titles(q: str, at=None) -> tuple[list[list[str]], int]:
    """The titles in each result (its document and the ones grouped under it), all of them,
    and how many results there are; a query without results takes its suggestion's."""
    query = parse_query(q)
    found = search(query=query, at=at)
    if not found.count and (words := search_suggestion(query=query, at=at)):
        found = search(query=parse_query(words), at=at)
    groups = found.groups[0 : len(found.groups)]
    return [[group.document.title] + [d.title for d in group.related] for group in groups], found.count


def judge(entry: dict, results: list[list[str]]) -> dict:
    """precision@3 (capped by the number of relevant texts, as TREC's R-precision is) and nDCG@10."""
    if not entry["top3"] and not entry["top10"]:
        score = 0.0 if results else 1.0
        missing = [] if not results else ["(no results expected)"]
        return {"precision_at_3": score, "ndcg_at_10": score, "missing": missing, "lost": missing}
    gains = {text: TOP3_GAIN for text in entry["top3"]} | {text: TOP10_GAIN for text in entry["top10"]}

    def matched(titles):
        return {text for text in gains if any(text in title for title in titles)}

    relevant_top3 = sum(1 for titles in results[:3] if matched(titles))
    precision = min(1.0, relevant_top3 / min(3, len(gains)))
    credited, dcg = set(), 0.0
    for position, titles in enumerate(results[:10], start=1):
        new = matched(titles) - credited
        credited |= new
        dcg += max((gains[text] for text in new), default=0) / math.log2(position + 1)
    ideal = sum(
        gain / math.log2(position + 1)
        for position, gain in enumerate(sorted(gains.values(), reverse=True)[:10], start=1)
    )
    in_top3 = set().union(*(matched(titles) for titles in results[:3])) if results else set()
    missing = [text for text in entry["top3"] if text not in in_top3]
    missing += [text for text in entry["top10"] if text not in credited]
    # What must be in the first 3 but is not even in the first 10: a lost answer, whatever the means say.
    lost = [text for text in entry["top3"] if text not in credited]
    return {"precision_at_3": precision, "ndcg_at_10": dcg / ideal, "missing": missing, "lost": lost}


def evaluate(at=None) -> dict:
    """Mean precision@3 and nDCG@10 over the set, with the queries that missed something
    (`lost`: a top-3 answer not even in the first 10)."""
    scores = []
    for entry in relevance_set():
        results, _ = _result_titles(entry["q"], at=at)
        scores.append({"q": entry["q"], "kind": entry["kind"], **judge(entry, results)})
    count = len(scores)
    return {
        "queries": count,
        "precision_at_3": round(sum(s["precision_at_3"] for s in scores) / count, 4),
        "ndcg_at_10": round(sum(s["ndcg_at_10"] for s in scores) / count, 4),
        "misses": [s for s in scores if s["missing"] or s["precision_at_3"] < 1 or s["ndcg_at_10"] < 1],
    }
