"""`make bench` keeps the README's performance table current: between its markers, the
targets of every measured scale, missed ones marked; the rest of the README untouched."""

from bench import run


def test_readme_gets_the_targets_of_each_scale(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text(f"# govportal\n\nbefore\n{run.README_START}\nold table\n{run.README_END}\nafter\n")
    monkeypatch.setattr(run, "README", readme)
    target = lambda name, measured, met: {"target": name, "goal": "≥ 0.6×", "measured": measured, "met": met}  # noqa: E731
    data = {
        "date": "2026-11-26",
        "machine": {"load_average_at_start": [0.5, 0.4, 0.3]},
        "runs": [
            {"scale": "10k", "database": "postgres", "targets": [target("seed record uncached", "0.70×", True)]},
            {"scale": "1m", "database": "postgres", "targets": [target("seed record uncached", "0.55×", False)]},
        ],
    }
    run.update_readme(data)
    text = readme.read_text()
    assert "old table" not in text and text.startswith("# govportal\n\nbefore\n") and text.endswith("after\n")
    assert "| target | goal | 10k (postgres) | 1m (postgres) |" in text
    assert "| seed record uncached | ≥ 0.6× | 0.70× | 0.55× **(missed)** |" in text
    run.update_readme(data)  # idempotent
    assert readme.read_text() == text


def test_a_goal_that_differs_by_engine_names_the_runs_it_holds_for():
    cold = lambda goal, measured: {"target": "cold search", "goal": goal, "measured": measured, "met": True}  # noqa: E731
    data = {
        "date": "2026-12-03",
        "machine": {"load_average_at_start": [0.5, 0.4, 0.3]},
        "runs": [
            {"scale": "1m", "database": "postgres", "targets": [cold("p95 ≤ 300 ms", "p95 280 ms")]},
            {"scale": "100k", "database": "sqlite", "targets": [cold("p95 ≤ 500 ms", "p95 242 ms")]},
        ],
    }
    summary = run.readme_summary(data)
    assert (
        "| cold search | p95 ≤ 300 ms (1m postgres); p95 ≤ 500 ms (100k sqlite) | p95 280 ms | p95 242 ms |" in summary
    )


def test_runs_kept_from_an_earlier_invocation_keep_their_machine_and_every_engines_relevance(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "ROOT", tmp_path)
    monkeypatch.setattr(run, "RESULTS", tmp_path)
    monkeypatch.setattr(run, "DOC", tmp_path / "benchmarks.md")
    monkeypatch.setattr(run, "update_readme", lambda data: None)
    earlier = {"cpu": "earlier CPU", "cores": 2, "memory": "1 kB", "kernel": "k1", "python": "3.11", "django": "5.2"}
    earlier |= {
        "gunicorn": "g",
        "wrk": "w",
        "postgresql": "p",
        "load_average_at_start": [1, 1, 1],
        "load_average": [1, 1, 1],
    }
    now = {**earlier, "cpu": "this CPU", "load_average": [2, 2, 2]}
    monkeypatch.setattr(run, "machine", lambda: {k: v for k, v in now.items() if k != "load_average_at_start"})
    generation = {"records": 1, "seconds": 1}
    kept = {
        "scale": "1m",
        "database": "postgres",
        "cache": "redis",
        "targets": [],
        "pages": [],
        "generation": generation,
    }
    kept["references"] = {}
    relevance = {"queries": 55, "precision_at_3": 1.0, "ndcg_at_10": 0.999}
    existing = {"runs": [kept], "machine": earlier, "search_relevance": {"postgres": relevance}, "date": "2026-12-03"}
    monkeypatch.setattr(run, "table", lambda r: "(table)")
    (tmp_path / f"{run.dt.date.today().isoformat()}.json").write_text(run.json.dumps(existing))
    new = {
        "scale": "100k",
        "database": "sqlite",
        "cache": "redis",
        "targets": [],
        "pages": [],
        "generation": generation,
    }
    cfg = {"workers": 5, "connections": 32, "duration": 10}
    run.save([new], cfg, [2, 2, 2])
    doc = (tmp_path / "benchmarks.md").read_text()
    assert "Machine of the latest run: this CPU" in doc
    assert "Machine of this run: earlier CPU" in doc  # the kept 1m run's section
    assert doc.count("Machine of this run") == 1
    # Runs carried over from another day say so; today's run does not.
    assert "Measured on 2026-12-03, by an earlier invocation of the bench" in doc
    assert doc.count("Measured on") == 1
    assert "search relevance (postgres, 55 queries" in doc


def test_staff_and_request_pages_are_held_to_the_catalogue_and_the_report_to_two_seconds():
    def page(name, p95, variant="uncached"):
        return {"name": name, "variant": variant, "p95_ms": p95, "errors": 0}

    measured = {
        "references": {"raw_wsgi": {"errors": 0}, "bare_django": {"errors": 0}},
        "pages": [
            page("catalogue p1", 100),
            page("catalogue p1 (signed in staff)", 230),
            page("admin records", 150),
            page("admin records 名称", 250),
            page("admin replies", 90),
            page("inforequests queue", 140),
            page("inforequests statistics", 149),
            {
                "name": "annual report",
                "variant": "in process",
                "p95_ms": 1500,
                "p50_ms": 1200,
                "requests": 5,
                "errors": 0,
                "note": "2025, consolidated over 41 agencies",
            },
        ],
    }
    checks = {t["target"]: t for t in run.targets(measured)}
    admin = checks["admin changelists p95 vs catalogue p1 p95"]
    assert admin["met"] is False and admin["goal"] == "≤ 2.0× (each page)"
    assert admin["measured"].startswith("2.50× (admin records 名称: 250 / 100 ms); 3 pages from 0.90×")
    # The floor no staff page can go below: the kept catalogue page itself, signed in.
    assert admin["measured"].endswith("; signing in alone 2.30× (catalogue p1 (signed in staff))")
    requests = checks["依申请公开 queue and statistics p95 vs catalogue p1 p95"]
    assert requests["met"] is True and requests["measured"].startswith("1.49× (inforequests statistics")
    report = checks["consolidated 年报 generated"]
    assert report["met"] is True and report["measured"].startswith("1.50 s slowest of 5")

    measured["pages"][-1]["p95_ms"] = 2100
    assert {t["target"]: t for t in run.targets(measured)}["consolidated 年报 generated"]["met"] is False
    # A staff page that gave no response at all is a miss, not a pass.
    measured["pages"][2]["p95_ms"] = None
    assert {t["target"]: t for t in run.targets(measured)}["admin changelists p95 vs catalogue p1 p95"]["met"] is False


def test_uncached_pages_are_held_to_five_times_bare_djangos_cpu_and_publishing_to_seven_tenths():
    def page(name, cpu_ms, variant="uncached"):
        return {"name": name, "variant": variant, "cpu_ms": cpu_ms, "errors": 0}

    measured = {
        "references": {"raw_wsgi": {"errors": 0}, "bare_django": {"errors": 0, "cpu_ms": 0.5}},
        "pages": [
            page("home", 0.8),
            page("feed", 2.4),
            page("我的建议提案 (signed in)", 2.6),
            page("search phrase", 3.9),
        ],
        "publishing": {
            "seconds": 30,
            "pages": 7,
            "rps_without": 1000.0,
            "rps_with": 650.0,
            "ratio": 0.65,
            "errors": 0,
            "published": 6,
            "publish_errors": 0,
        },
    }
    checks = {t["target"]: t for t in run.targets(measured)}
    pages = checks[
        "public pages, signed-in member's and staff's views of them, uncached: worker CPU per request vs bare Django"
    ]
    assert pages["met"] is False and pages["goal"] == "≤ 5× (each page)"
    assert pages["measured"].startswith("5.2× (我的建议提案 (signed in): 2.60 / 0.50 ms); 3 pages from 1.6×")
    search = checks["search pages, uncached: worker CPU per request vs bare Django"]
    assert search["met"] is True and search["measured"].startswith("7.8× (search phrase")
    publishing = checks["throughput while publishing every 5 s vs without"]
    assert publishing["met"] is False and publishing["measured"].startswith("0.65× (650 / 1,000 req/s of 7 pages")
    measured["pages"][2]["cpu_ms"] = 2.5
    measured["publishing"].update(rps_with=700.0, ratio=0.7)
    checks = {t["target"]: t for t in run.targets(measured)}
    assert checks[
        "public pages, signed-in member's and staff's views of them, uncached: worker CPU per request vs bare Django"
    ]["met"]
    assert checks["throughput while publishing every 5 s vs without"]["met"]
    # The table shows each page's multiple of bare Django's CPU.
    measured.update(reference_bytes=100)
    for r in [*measured["references"].values()]:
        r.update(rps=1.0, rps_runs=[1.0, 1.0], p50_ms=1.0, p99_ms=1.0, rss_mib=1.0, cpu_ms=r.get("cpu_ms", 0.25))
    for r in measured["pages"]:
        r.update(rps=1.0, p50_ms=1.0, p99_ms=1.0, bytes=1, gzip_bytes=1)
    assert "| feed | uncached |" in run.table(measured) and "| 4.8× |" in run.table(measured)


def test_the_csv_exports_memory_is_shown_beside_what_a_booted_worker_holds():
    csv = {
        "name": "csv export",
        "variant": "stream",
        "rss_mib": 97.6,
        "rss_start_mib": 96.1,
        "lines": 98_233,
        "downloaded_bytes": 33_600_000,
        "p50_ms": 14_400,
        "errors": 0,
    }
    measured = {
        "references": {"raw_wsgi": {"errors": 0}, "bare_django": {"errors": 0}},
        "pages": [csv],
        "booted_worker_rss_mib": 81.2,
    }
    check = {t["target"]: t for t in run.targets(measured)}["CSV export worker RSS"]
    assert check["met"] is False
    assert check["measured"] == (
        "97.6 MiB (before the export 96.1 MiB; 98,232 rows, 33.6 MB in 14.4 s); "
        "a worker holds 81.2 MiB once the application is loaded, before any page"
    )
    del measured["booted_worker_rss_mib"]  # a run saved before the floor was measured
    assert {t["target"]: t for t in run.targets(measured)}["CSV export worker RSS"]["measured"].endswith("14.4 s)")
