"""Reference numbers in queries and running text: 索引号, 文号 and 第N号提案."""

import re
import unicodedata

from .tokenizer import HAN

_OPEN = "〔\\[［(（【"
_CLOSE = "〕\\]］)）】"

# 索引号: the Kunming form 015117762-202306-707714 and the national 000014349/2017-00110.
INDEX_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?P<number>[0-9A-Z]{8}[0-9X][-/]\d{4,8}-\d{4,6})(?![0-9A-Za-z])")
# 文号: issuer characters, a bracketed year and a serial (GB/T 9704 §7.2.5 and look-alikes).
DOCUMENT_NUMBER = re.compile(
    rf"(?P<issuer>[{HAN}]{{1,20}})\s*[{_OPEN}]\s*(?P<year>\d{{4}})\s*[{_CLOSE}]\s*(?P<serial>[1-9]\d{{0,5}})\s*号"
)
# 第102114号提案 / 102114号提案 (and 建议, 议案 of people's congresses).
PROPOSAL_NUMBER = re.compile(
    r"(?:第\s*)?(?<![0-9A-Za-z-])(?P<number>[0-9][0-9A-Za-z-]{0,19})\s*号\s*(?:提案|建议|议案)"
)

MIN_ISSUER_LENGTH = 2


def fold_digits(text: str) -> str:
    """Full-width digits, letters and brackets to ASCII (NFKC per character), keeping 〔〕."""
    return "".join(ch if ch in "〔〕【】" else unicodedata.normalize("NFKC", ch) for ch in text)


def document_number_candidates(match: re.Match) -> list[tuple[str, int]]:
    """The 文号 a match may spell, longest issuer first, with where each starts.

    In running text the issuer is not delimited (根据官办通〔2020〕26号), so every suffix of
    the Han run before the bracket is a candidate; the longest that names a record wins."""
    issuer, year, serial = match["issuer"], match["year"], match["serial"]
    start = match.start("issuer")
    return [(f"{issuer[i:]}〔{year}〕{serial}号", start + i) for i in range(0, len(issuer) - MIN_ISSUER_LENGTH + 1)]
