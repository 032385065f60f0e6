"""The site's own CSS and JavaScript as they are served: without comments and layout whitespace
(rcssmin, rjsmin). The sources keep their comments (why a rule is there); readers download
only the rules. collectstatic minifies (core.storage.StaticFilesStorage), and the page-weight
budget (CSS + JS ≤ 50 KB) counts what is served, through the same function."""

from pathlib import Path

# Our own files (static/css, static/js); packages' (admin/, django_prose_editor/ …) as they ship.
OWN_FOLDERS = ("css/", "js/")


def is_own_asset(name: str) -> bool:
    return name.startswith(OWN_FOLDERS) and name.endswith((".css", ".js"))


def minified(name: str, text: str) -> str:
    # Imported here: workers load the static storage (for its URLs), never minify.
    if name.endswith(".css"):
        import rcssmin

        return rcssmin.cssmin(text)
    import rjsmin

    return rjsmin.jsmin(text)


def served_sizes(static_dir: Path) -> dict[str, int]:
    """{name: bytes as served} of the site's own CSS and JavaScript under `static_dir`."""
    sizes = {}
    for path in sorted(static_dir.rglob("*")):
        name = path.relative_to(static_dir).as_posix()
        if path.is_file() and is_own_asset(name):
            sizes[name] = len(minified(name, path.read_text(encoding="utf-8")).encode())
    return sizes
