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


def test_staff_and_request_pages_are_held_to_the_catalogue_and_the_report_to_two_seconds():
    def page(name, p95, variant="uncached"):
        return {"name": name, "variant": variant, "p95_ms": p95, "errors": 0}

    measured = {
        "references": {"raw_wsgi": {"errors": 0}, "bare_django": {"errors": 0}},
        "pages": [
            page("catalogue p1", 100),
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
    requests = checks["依申请公开 queue and statistics p95 vs catalogue p1 p95"]
    assert requests["met"] is True and requests["measured"].startswith("1.49× (inforequests statistics")
    report = checks["consolidated 年报 generated"]
    assert report["met"] is True and report["measured"].startswith("1.50 s slowest of 5")

    measured["pages"][-1]["p95_ms"] = 2100
    assert {t["target"]: t for t in run.targets(measured)}["consolidated 年报 generated"]["met"] is False
    # A staff page that gave no response at all is a miss, not a pass.
    measured["pages"][1]["p95_ms"] = None
    assert {t["target"]: t for t in run.targets(measured)}["admin changelists p95 vs catalogue p1 p95"]["met"] is False
