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
