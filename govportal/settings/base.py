"""Settings shared by every environment. Everything that differs per deployment is
read from the environment here, so dev/prod/test only change defaults and strictness."""

import base64
import hashlib
import os
import tempfile
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _env(name, default, parse, expected):
    """The variable parsed, or its default when unset or empty; a value that does not parse
    stops the start naming the variable (a typo must not silently mean "off")."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return parse(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: expected {expected}.") from None


def _parse_bool(value):
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(value)


def env_bool(name, default=False):
    return _env(name, default, _parse_bool, "1 or 0 (true/false, yes/no, on/off)")


def env_int(name, default):
    return _env(name, int(default), int, "a whole number")


def env_float(name, default):
    return _env(name, float(default), float, "a number (with a decimal point, not a comma)")


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "core.adminsite.PortalAdminConfig",  # django.contrib.admin with its app list kept (core/adminsite.py)
    # Before django.contrib.auth: its createsuperuser checks DJANGO_SUPERUSER_PASSWORD (the
    # first app listed with a command's name supplies it).
    "security.accounts",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django.contrib.sitemaps",
    "django.contrib.syndication",
    "django_filters",
    "simple_history",
    "security.apps.AxesConfig",  # axes, named in Chinese in the admin
    "csp",
    "django_prose_editor",  # its bundled editor (static files), used by disclosures/editor.py
    "django_otp",
    "security.apps.TOTPConfig",  # django_otp.plugins.otp_totp, named in Chinese
    "security.apps.StaticConfig",  # django_otp.plugins.otp_static, named in Chinese
    "core",
    "audit",
    "security",
    "disclosures",
    "proposals",
    "communities",
    "inforequests",
    "agencies",
    "imports",
    "annualreports",
    "search",
    "opendata",
    "portal",
]

MIDDLEWARE = [
    # First: answers cached anonymous pages before anything else runs, and sees the final
    # response (cookies, CSP, Vary) when deciding what to store. See core/pagecache/.
    "core.pagecache.PageCacheMiddleware",
    # Reads of anonymous GET/HEAD requests on a replica (DATABASE_REPLICA_URLS), and such a
    # request answered again when its database went away under it (core/db_router.py).
    "core.db_router.DatabaseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Old addresses of an imported site: a 301 from the redirect table, consulted on a 404 only.
    "imports.middleware.LegacyRedirectMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django_otp's, its device facts kept until any device changes (ADR 0109).
    "security.middleware.KeptDeviceOTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff: sign-out after STAFF_IDLE_TIMEOUT_SECONDS idle, second factor before any admin page.
    "security.middleware.StaffIdleTimeoutMiddleware",
    "security.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "core.middleware.HistoryRequestMiddleware",
    "portal.middleware.ReaderPreferencesMiddleware",
    # Last, so a locked-out login is answered before any view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "govportal.urls"
# Widgets render with the project's template settings, so templates/ can correct Django's own
# widget templates (templates/admin/widgets/split_datetime.html labels its two inputs).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "govportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
            ],
        },
    },
]

# SQLite is the embedded default; DATABASE_URL switches to PostgreSQL. Persistent
# connections matter on PostgreSQL: per-request connections cost 4x on this hardware.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
# Read replicas (comma-separated URLs): anonymous GET/HEAD requests read from one of them,
# everything else from the primary (core/db_router.py, docs/deployment.md).
DATABASE_REPLICAS = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASES[f"replica{_number}"] = dj_database_url.parse(
        _url, conn_max_age=env_int("CONN_MAX_AGE", 600), conn_health_checks=True
    )
    if DATABASES[f"replica{_number}"]["ENGINE"] == "django.db.backends.postgresql":
        # A replica that does not answer is given up quickly: its requests then read the primary.
        DATABASES[f"replica{_number}"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", env_int("DATABASE_REPLICA_CONNECT_TIMEOUT", 2)
        )
    # The test runner creates no database on a replica: a mirror keeps its own host and port
    # and only takes the test database's name (BaseDatabaseCreation.set_as_test_mirror). On a
    # streaming standby that is the standby's copy of the test database (make standby).
    DATABASES[f"replica{_number}"]["TEST"] = {"MIRROR": "default"}
    DATABASE_REPLICAS.append(f"replica{_number}")
# A replica found away is left alone for this long, its requests reading the primary.
DATABASE_REPLICA_RETRY_SECONDS = env_float("DATABASE_REPLICA_RETRY_SECONDS", 5)
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["core.db_router.PrimaryReplicaRouter"]
# A primary being restarted is waited for this long before a request fails (core/postgresql).
DATABASE_PRIMARY_WAIT_SECONDS = env_float("DATABASE_PRIMARY_WAIT_SECONDS", 10)

# Writers wait for each other (up to 20 s) instead of failing: a transaction that reads and
# then writes takes the write lock when it begins, so two at once (a double-clicked form)
# queue rather than the second getting "database is locked". The price: every transaction
# holds the lock while it runs, the admin's change pages (rendered inside one) included, so
# writers queue behind a page render for some tens of milliseconds. SQLite is for `make run`
# and small sites; PostgreSQL (DATABASE_URL) has row locks and no such queue.
SQLITE_OPTIONS = {"timeout": 20, "transaction_mode": "IMMEDIATE"}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Persistent connections buy nothing on SQLite and keep files open in tests.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
else:
    INSTALLED_APPS.append("django.contrib.postgres")
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "core.postgresql"  # waits for a primary being restarted
    # JIT compilation pays off for long analytic queries, not for a portal's short ones: at a
    # million records it added 0.3-1.1 s to queries whose plan merely *looks* costly (a walk
    # along the date index that stops after a few hundred rows). Behind PgBouncer, which
    # rejects this startup option, set `jit = off` on the database instead.
    # work_mem: room for a bitmap of a common word's matches to stay exact. Past the default
    # 4 MB it turns lossy (whole pages, not rows), and each row on such a page is checked again
    # against its full-text vector, stored out of line (TOAST): a search's sample of 2,001
    # matches at a million records read 24,000 pages instead of 9,000. Per sort or bitmap of a
    # statement, so a node's worst case is workers × a few × this.
    _work_mem = os.environ.get("DATABASE_WORK_MEM", "32MB")
    for _alias in ["default", *DATABASE_REPLICAS]:
        DATABASES[_alias].setdefault("OPTIONS", {}).setdefault("options", f"-c jit=off -c work_mem={_work_mem}")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_TIMEOUT_SECONDS = env_float("REDIS_TIMEOUT_SECONDS", 0.5)
# While Redis is down nobody waits on it: one request per this many seconds tries it again.
OUTAGE_RETRY_SECONDS = env_float("OUTAGE_RETRY_SECONDS", 5)
OUTAGE_LOG_SECONDS = env_float("OUTAGE_LOG_SECONDS", 60)
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's backend, minus a client object built per call, serving through outages (core/redis_cache.py).
            "BACKEND": "core.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "govportal"),
            # A Redis that is down or unreachable costs a request at most this long, once per
            # OUTAGE_RETRY_SECONDS (core/outages.py); pages then come from the database.
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT_SECONDS, "socket_timeout": REDIS_TIMEOUT_SECONDS},
        }
    }
    # Sessions in the database, read through Redis: they survive a Redis outage or restart.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            # Room for the page cache (the default of 300 entries would cull it constantly).
            "OPTIONS": {"MAX_ENTRIES": env_int("LOCMEM_CACHE_ENTRIES", 5000)},
        }
    }

# Messages (admin, members' feedback) live in the session: signed-in readers only. The default
# tries a signed cookie first, whose signer was built on every request.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Anonymous page cache (core/pagecache/): pages live until content changes (any save in
# these apps) or PAGE_CACHE_SECONDS; browsers and CDNs may keep them for the *_SECONDS below.
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE", True)
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600)
PAGE_CACHE_BROWSER_SECONDS = env_int("PAGE_CACHE_BROWSER_SECONDS", 0)
PAGE_CACHE_SHARED_SECONDS = env_int("PAGE_CACHE_SHARED_SECONDS", 60)
PAGE_CACHE_MAX_BYTES = 512 * 1024
# Each process also keeps the generation (for this long) and its hottest pages, so most hits
# cost no round trip; a change on another node is seen within PAGE_CACHE_LOCAL_SECONDS.
PAGE_CACHE_LOCAL_SECONDS = env_float("PAGE_CACHE_LOCAL_SECONDS", 1)
PAGE_CACHE_LOCAL_ENTRIES = env_int("PAGE_CACHE_LOCAL_ENTRIES", 200)
PAGE_CACHE_LOCAL_VALUES = env_int("PAGE_CACHE_LOCAL_VALUES", 300)
# Public pages the page cache cannot serve (signed in, other cookies, a miss) answer from their
# response kept for the generation (core.rendering.keep_response; ADR 0090).
PAGE_KEEP_RESPONSES = env_bool("PAGE_KEEP_RESPONSES", True)
# 网站自查 (国办秘函〔2019〕19号): days within which a column of each kind must be updated.
SELF_CHECK_UPDATE_DAYS = {"dynamic": 14, "notice": 183, "policy": 183}
PAGE_CACHE_APPS = [
    "disclosures",
    "portal",
    "proposals",
    "communities",
    "inforequests",
    "agencies",
    "annualreports",
    "search",
    "core",
]
PAGE_CACHE_IGNORED_MODELS = ["disclosures.indexserial", "disclosures.reviewstep"]
PAGE_CACHE_EXCLUDED_PATHS = ["/admin/", "/accounts/", "/static/", "/media/", "/preferences/", "/disclosures/preview/"]
# The query parameters pages read: a request with any other is served but never stored.
PAGE_CACHE_QUERY_PARAMETERS = frozenset(
    {
        "q",
        "page",
        "after",
        "before",
        "year",
        "topic",
        "publisher",
        "type",
        "validity",
        "sort",
        "date_from",
        "date_to",
        "format",
        "size",
        "cite",
        "session",
        "number",
        "unit",
        "category",
        "kind",
        "status",
        "assembly",
        "metric",
        "scope",
        "street",
        "source",
        "cursor",
        "limit",
        "published_after",
        "published_before",
        "document_number",
        "p",
        "member",
    }
)
PAGE_CACHE_IGNORED_COOKIES = env_list("PAGE_CACHE_IGNORED_COOKIES")  # e.g. an analytics cookie
PAGE_CACHE_SCHEDULE_SOURCES = [
    "disclosures.selectors.record_next_scheduled_at",
    "proposals.selectors.reply_next_public_at",
]
PAGE_CACHE_REPLICA_LAG_SECONDS = env_float("DATABASE_REPLICA_LAG_SECONDS", 2) if DATABASE_REPLICAS else 0


def _node_path(kind, suffix=""):
    """A path in the node's temporary directory shared by the workers of this site and database."""
    site = hashlib.md5(f"{BASE_DIR}|{DATABASES['default']['NAME']}".encode()).hexdigest()[:12]
    return os.path.join(tempfile.gettempdir(), f"govportal-{kind}-{site}{suffix}")


# Local memory is per process: the generation then comes from a stamp file, so a publish
# handled by one worker (or a management command) invalidates every worker on the node.
PAGE_CACHE_STAMP_FILE = os.environ.get("PAGE_CACHE_STAMP_FILE") or (None if REDIS_URL else _node_path("pagecache"))
# Without Redis, the node's workers share their buffered 浏览次数 through this SQLite file, so they
# all show the same count (core/counters.py); unset, each process counts on its own.
COUNTER_FILE = os.environ.get("COUNTER_FILE") or (None if REDIS_URL else _node_path("counters", ".sqlite3"))
# Rate limits (core/ratelimits.py) are counted in Redis; without it, and while it is down, in
# this SQLite file, which the node's workers share, so a limit is never one per worker.
RATE_LIMIT_FILE = os.environ.get("RATE_LIMIT_FILE") or _node_path("ratelimits", ".sqlite3")
# Search's guard (search/guard.py): each search stops after this long, and at most this many run
# at once across the workers (Redis; without it, per node through lock files in this directory),
# a request waiting at most SEARCH_SLOT_WAIT_SECONDS for its turn. 0 concurrency: no limit.
SEARCH_TIMEOUT_SECONDS = env_float("SEARCH_TIMEOUT_SECONDS", 3)
SEARCH_CONCURRENCY = env_int("SEARCH_CONCURRENCY", 4)
SEARCH_SLOT_WAIT_SECONDS = env_float("SEARCH_SLOT_WAIT_SECONDS", 1)
SEARCH_SLOT_DIRECTORY = os.environ.get("SEARCH_SLOT_DIRECTORY") or _node_path("search-slots")
# 浏览次数 are buffered (Redis when REDIS_URL is set) and written in batches: by
# `manage.py flush_view_counts`, and from the request path at most this often.
VIEW_COUNT_FLUSH_SECONDS = env_int("VIEW_COUNT_FLUSH_SECONDS", 30)
# Views a worker holds while Redis and the database both refuse them: handed to Redis this often.
COUNTER_BATCH_SECONDS = env_float("COUNTER_BATCH_SECONDS", 1)
COUNTER_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "govportal")

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, its permissions kept in the shared cache until any of them changes.
    "security.permissions.CachedPermissionsBackend",
]
# Permissions and which 委员 a user is, kept in the shared cache until they change (core.stamped;
# docs/decisions/0105, 0108). Only with a cache every process shares.
KEPT_LOOKUPS = env_bool("KEPT_LOOKUPS", bool(REDIS_URL))
# 等保 2.0 身份鉴别: 12+ characters from 3 of 4 classes, not like the username, not common
# (docs/decisions/0030-staff-security.md).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "security.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "security.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
STAFF_IDLE_TIMEOUT_SECONDS = env_int("STAFF_IDLE_TIMEOUT_SECONDS", 15 * 60)
STAFF_IDLE_WARNING_SECONDS = 120  # the "about to expire" page comes this long before
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "政府信息公开管理")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # no admin can read another user's TOTP secret
# django-otp's throttling counts failures on the device, whoever types them: someone holding
# only the password could hold back the owner. security.throttle counts them per browser pool.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
AUDIT_LOG_RETENTION_DAYS = env_int("AUDIT_LOG_RETENTION_DAYS", 180)  # 180 at least
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
AXES_RESET_ON_SUCCESS = True
# Sign-ins are in the audit log, pruned after AUDIT_LOG_RETENTION_DAYS; axes' own access log
# would keep every sign-in's name, address and browser again, for ever.
AXES_DISABLE_ACCESS_LOG = True
# Lock a username from one client only: by address alone, everyone behind one proxy (or one
# office's NAT) would be locked out by a single person; by username alone, anyone could lock
# out any staff member.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A name that is no account's is counted and kept as a keyed digest: it may be a password.
AXES_USERNAME_CALLABLE = "audit.services.attempted_name"
# Attempts while locked must not push the end of the lockout forward (it would never end).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Counted by network for IPv6 (a /64 each); the audit log keeps the address itself.
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_network"
AXES_LOCKOUT_CALLABLE = "portal.views.locked_out"
# How many reverse proxies (each appending to X-Forwarded-For) stand in front of Django; 0 when
# clients connect directly. Only these proxies' entries are believed (core/client_ip.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
# Chinese for the sign-in libraries' admin pages (django-axes, django-otp ship none).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"
# Staff-only pages outside the admin: the second sign-in step is required there too.
STAFF_AREAS = ("/disclosures/apply/staff/",)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)

MEDIA_URL = "/media/"
# Attachments are never served from MEDIA_URL: disclosures.views.attachment_download checks
# access, then (behind nginx) hands the sending to an internal location with X-Accel-Redirect.
# Unset (make run), Django streams the file. docs/deployment.md has the nginx block.
ATTACHMENT_ACCEL_PREFIX = os.environ.get("ATTACHMENT_ACCEL_PREFIX", "")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# A file kept for a form that came back with an error works this long (core/kept_uploads.py).
KEPT_UPLOAD_HOURS = env_int("KEPT_UPLOAD_HOURS", 24)
STORAGES = {
    # Django's file system storage, removing what a failed write (a full disk) left.
    "default": {"BACKEND": "core.storage.MediaStorage"},
    "staticfiles": {"BACKEND": "core.storage.StaticFilesStorage"},
}

LOGIN_URL = "/accounts/login/"
# Where a sign-in with no (or a refused) `next` lands: staff sign in at /admin/login/; members'
# own sign-in page names its landing page. Django's default, /accounts/profile/, is no page here.
LOGIN_REDIRECT_URL = "admin:index"

# The one inline script: static/js/head.js, put in <head> by templates/base.html so that it
# runs before the first paint (a phone's 导航菜单 is folded from the start). The policy allows it
# by its hash, the same on every page: a nonce differs per response, and the page cache keeps
# no response that used one (ADR 0120).
HEAD_SCRIPT = (BASE_DIR / "static" / "js" / "head.js").read_text(encoding="utf-8").strip()
HEAD_SCRIPT_SOURCE = "'sha256-%s'" % base64.b64encode(hashlib.sha256(HEAD_SCRIPT.encode()).digest()).decode()

# Strict policy: no inline script (but the one above) or style, nothing from third parties.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE, HEAD_SCRIPT_SOURCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

SECURE_CONTENT_TYPE_NOSNIFF = True
# The health probe (core/health.py) answers over plain HTTP: a load balancer asks each node
# directly, without TLS, and a redirect is not an answer.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# 索引号 pattern: Kunming form by default; the national form is
# "{org_code}/{YYYY}-{serial:05d}". See disclosures/index_numbers.py.
DISCLOSURE_INDEX_PATTERN = os.environ.get("DISCLOSURE_INDEX_PATTERN", "{org_code}-{YYYYMM}-{serial:06d}")
# Attachments: the formats government offices actually publish, and a size cap.
DISCLOSURE_ATTACHMENT_EXTENSIONS = [
    "pdf",
    "ofd",
    "doc",
    "docx",
    "wps",
    "xls",
    "xlsx",
    "et",
    "ppt",
    "pptx",
    "txt",
    "csv",
    "zip",
    "jpg",
    "jpeg",
    "png",
]
DISCLOSURE_ATTACHMENT_MAX_BYTES = env_int("DISCLOSURE_ATTACHMENT_MAX_BYTES", 50 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# 三审: how many review levels a record passes before it is published (1 终审; 2 初审, 终审;
# 3 初审, 复审, 终审), unless its agency sets its own (Organization.review_levels). ADR 0051.
DISCLOSURE_REVIEW_LEVELS = env_int("DISCLOSURE_REVIEW_LEVELS", 3)
if DISCLOSURE_REVIEW_LEVELS not in (1, 2, 3):
    raise ImproperlyConfigured("DISCLOSURE_REVIEW_LEVELS must be 1, 2 or 3.")
# A draft's preview link for someone without a staff account stops working after this long.
DISCLOSURE_PREVIEW_LINK_HOURS = env_int("DISCLOSURE_PREVIEW_LINK_HOURS", 48)
# Demo data and its demo accounts (manage.py load_demo_data): dev and test only; prod forbids them.
DEMO_DATA_ALLOWED = False
# Imports (docs/decisions/0060): runs go to a `manage.py import_records` process of their own.
IMPORTS_BACKGROUND = env_bool("IMPORTS_BACKGROUND", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# 依申请公开 (inforequests; docs/decisions/0010): case numbers, alarm thresholds (working days
# left), rate limits (count, seconds), the Fernet keys for applicant identifiers (comma-
# separated, newest first; unset = derived from SECRET_KEY) and the key of the 查询码 digests.
INFOREQUESTS_CASE_NUMBER_PATTERN = os.environ.get("INFOREQUESTS_CASE_NUMBER_PATTERN", "GD-YSQ-{year}-{serial:05d}")
INFOREQUESTS_ALARM_THRESHOLDS = {"预警": 5, "黄牌": 2, "红牌": 0}
INFOREQUESTS_CORRECTION_DAYS = 15
INFOREQUESTS_RATE_LIMITS = {
    "apply_address": (10, 3600),
    "apply_applicant": (10, 86400),
    "lookup_address": (10, 600),
    "lookup_code": (5, 3600),
}
INFOREQUESTS_FIELD_KEYS = env_list("INFOREQUESTS_FIELD_KEYS")
INFOREQUESTS_DIGEST_KEY = os.environ.get("INFOREQUESTS_DIGEST_KEY", "")  # unset: SECRET_KEY
# Years an archived case keeps its applicant's particulars (name, ID and phone numbers, address,
# e-mail), counted from 1 January after it was closed, as archive retention periods are; then
# `manage.py erase_expired_particulars` (daily) erases them (个人信息保护法 Art. 47). Set it to
# the 保管期限 the agency's archive rules give these files; 0 keeps them for good.
INFOREQUESTS_KEEP_PARTICULARS_YEARS = env_int("INFOREQUESTS_KEEP_PARTICULARS_YEARS", 10)

# E-mail (依申请公开 receipts and notices to applicants, alarms to staff): an SMTP server, from
# the environment. make run prints mail on the console (dev settings), tests keep it in memory.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 10)  # a hung server must not hold a worker
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or "webmaster@localhost"
SERVER_EMAIL = os.environ.get("SERVER_EMAIL") or DEFAULT_FROM_EMAIL  # empty counts as unset, as above

# The 主题分类 (State Council vocabulary) under which published 建议提案 replies are catalogued.
PROPOSAL_REPLY_TOPIC = os.environ.get("PROPOSAL_REPLY_TOPIC", "综合政务")
