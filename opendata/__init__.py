"""Open data: the JSON API, feeds, sitemaps, robots.txt and the catalogue CSV."""
