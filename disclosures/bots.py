"""Crawlers that must not be counted as readers (浏览次数)."""

import re

_BOT_UA = re.compile(
    r"bot|crawl|spider|slurp|baiduspider|sogou|360spider|haosouspider|yisouspider|bytespider|"
    r"petalbot|headless|python-requests|curl|wget|httpclient|go-http-client|java/|okhttp|scrapy|"
    r"facebookexternalhit|feedfetcher|monitor|uptime|pingdom|lighthouse|wrk",
    re.IGNORECASE,
)


def is_crawler(user_agent: str) -> bool:
    return not user_agent or bool(_BOT_UA.search(user_agent))
