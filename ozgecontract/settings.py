"""Settings for OzgeContract, a contract-signing portal for companies in Kazakhstan.

Every setting comes from the environment (or an optional `.env` file beside
`manage.py`) through django-environ. With nothing set, the project runs in
development mode on an SQLite file; `DATABASE_URL` switches to PostgreSQL.
With `DEBUG=False` the secrets below have no defaults and startup fails loudly.

Where things live:
    ozgecontract/   settings, root urls, API error handler, pagination, validators
    companies/      Company, User (email login), registration
    templates_app/  DOCX templates and placeholder discovery
    contracts/      contracts, contract fields, the contract PDF
    signatures/     signatures, signing codes, audit events, certificate PDF
    billing/        balances and their ledger, tariff plans, payment requests
    stats/          company statistics
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env(
        "SECRET_KEY", default="dev-only-insecure-key-never-use-in-production-0zg3"
    )
else:
    # Production refuses to start without its secrets.
    SECRET_KEY = env("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The public address of the portal, used in signing links and QR codes.
SITE_URL = env("SITE_URL", default="http://localhost:4000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "crispy_forms",
    "crispy_bootstrap5",
    "ozgecontract",
    "companies",
    "templates_app",
    "contracts",
    "signatures",
    "billing",
    "stats",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ozgecontract.urls"
WSGI_APPLICATION = "ozgecontract.wsgi.application"

# The API document's paths have no trailing slash; ozgecontract.urls accepts
# both forms explicitly, so Django must not redirect.
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ozgecontract" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Production keeps each worker's connection for a minute instead of opening
# one per request (for SQLite that also keeps the parsed schema and the page
# cache); it is checked before reuse, so a restarted database costs one error-
# free reconnect. The development server starts a thread per request, which
# would leave a connection behind each time: it closes them at once.
DATABASES["default"]["CONN_MAX_AGE"] = env.int(
    "CONN_MAX_AGE", default=0 if DEBUG else 60
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite locks the whole file on the first write. Taking the write lock when
    # a transaction starts (IMMEDIATE), and waiting for it, makes concurrent
    # signings queue up instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
# "default" holds the per-process counters (login lockout, link-by-SMS and
# verification limits): point it at a shared cache when running several
# workers. Page fragments (`{% cache %}`: the dashboard and signing-page
# chrome, built only from code and catalogs) stay in each process's memory, so
# a deploy never serves markup of the previous release.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "template_fragments": {
        "BACKEND": "ozgecontract.fragments.FragmentCache",
        "LOCATION": "template-fragments",
        "TIMEOUT": None,
        # Languages x sections x roles x steps, and the signing page's document
        # card per page count: a few hundred at most.
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "companies.User"
# Django's model backend, loading the user's company in the same query.
AUTHENTICATION_BACKENDS = ["companies.backends.EmailBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Database sessions (logout ends them in every worker), read with prepared SQL.
SESSION_ENGINE = "ozgecontract.sessions"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("kk", "Қазақша"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["ozgecontract.formats"]
TIME_ZONE = "Asia/Almaty"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploads: a template is at most 10 MB; Django spools anything larger to disk.
TEMPLATE_MAX_UPLOAD_BYTES = env.int(
    "TEMPLATE_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "ozgecontract.pagination.HeaderLimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "ozgecontract.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_METADATA_CLASS": "ozgecontract.schema.SchemaMetadata",
    "DEFAULT_PARSER_CLASSES": [
        "ozgecontract.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
    "COERCE_DECIMAL_TO_STRING": False,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(
        minutes=env.int("JWT_ACCESS_MINUTES", default=30)
    ),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "USER_ID_FIELD": "id",
    "AUTH_HEADER_TYPES": ("Bearer",),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OzgeContract API",
    "DESCRIPTION": (
        "Contract-signing portal for companies in Kazakhstan: templates, "
        "contracts, signing by SMS code or ЭЦП, balances and tariff plans."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["ozgecontract.routing.drop_slash_duplicates"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ozgecontract.schema.document_shared_answers",
    ],
    "ENUM_NAME_OVERRIDES": {
        "PaymentRequestStatusEnum": "billing.models.PaymentRequest.Status",
        "ContractStatusEnum": "contracts.models.Contract.Status",
    },
}

# The seed promises CORS for every domain; credentials are never allowed, so
# a foreign page can call the API only with a Bearer token it already holds.
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_EXPOSE_HEADERS = ["X-Total-Count", "Link", "Retry-After"]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Prices in KZT of one signature of each kind, used to price payment requests.
SMS_SIGNATURE_PRICE = Decimal(env.str("SMS_SIGNATURE_PRICE", default="200"))
ECP_SIGNATURE_PRICE = Decimal(env.str("ECP_SIGNATURE_PRICE", default="100"))

# Signing codes sent by SMS.
SMS_BACKEND = env("SMS_BACKEND", default="console")
SMS_FILE_PATH = env.path("SMS_FILE_PATH", default=BASE_DIR / "sms-outbox")
SIGNING_CODE_TTL_SECONDS = env.int("SIGNING_CODE_TTL_SECONDS", default=300)
SIGNING_CODE_MAX_ATTEMPTS = env.int("SIGNING_CODE_MAX_ATTEMPTS", default=5)
SIGNING_CODE_RESEND_SECONDS = env.int("SIGNING_CODE_RESEND_SECONDS", default=60)
SIGNING_CODE_MAX_PER_HOUR = env.int("SIGNING_CODE_MAX_PER_HOUR", default=5)

# Contract documents: "html" (mammoth + WeasyPrint) or "libreoffice".
DOCUMENT_CONVERTER = env("DOCUMENT_CONVERTER", default="html")
SOFFICE_PATH = env("SOFFICE_PATH", default="soffice")
SOFFICE_TIMEOUT_SECONDS = env.int("SOFFICE_TIMEOUT_SECONDS", default=60)

# The platform's PAdES seal: a PKCS#12 file, or one generated on first use.
SEAL_PKCS12_PATH = env("SEAL_PKCS12_PATH", default="")
SEAL_PKCS12_PASSWORD = env("SEAL_PKCS12_PASSWORD", default="")

EMAIL_BACKEND = env(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@ozgecontract.kz")

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {
        "mask_tokens": {"()": "ozgecontract.logging.MaskTokensFilter"},
        "quiet_refusals": {"()": "ozgecontract.logging.QuietRefusalsFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_tokens", "quiet_refusals"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Through the root handler only: Django's own console handler would
        # print every record a second time under DEBUG.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint and fontTools narrate every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "ozgecontract.security": {"level": "INFO"},
    },
}

# --- ЭЦП verification and real SMS gateways (issue 4) ---
# ЭЦП signatures: "builtin" checks RSA/ECDSA CMS signatures in-process against
# the CA certificates (PEM or DER files) in ECP_TRUST_DIR, e.g. the NCA RK root
# and intermediate certificates; "ncanode" asks an NCANode 3.x server, which
# also checks GOST signatures and, per NCANODE_REVOCATION_CHECK, OCSP/CRL.
ECP_VERIFIER = env("ECP_VERIFIER", default="builtin")
ECP_TRUST_DIR = env.path("ECP_TRUST_DIR", default=BASE_DIR / "ecp-trust")
NCANODE_URL = env("NCANODE_URL", default="http://127.0.0.1:14579")
NCANODE_TIMEOUT_SECONDS = env.float("NCANODE_TIMEOUT_SECONDS", default=15)
NCANODE_REVOCATION_CHECK = env.list("NCANODE_REVOCATION_CHECK", default=["OCSP"])

# SMS gateways, chosen with SMS_BACKEND="mobizon" or "smsc". A send that fails
# on the network is retried SMS_GATEWAY_RETRIES more times; a refusal or a
# timeout is not (the gateway may already have taken the message).
SMS_GATEWAY_TIMEOUT_SECONDS = env.float("SMS_GATEWAY_TIMEOUT_SECONDS", default=10)
SMS_GATEWAY_RETRIES = env.int("SMS_GATEWAY_RETRIES", default=2)
SMS_GATEWAY_RETRY_DELAY_SECONDS = env.float(
    "SMS_GATEWAY_RETRY_DELAY_SECONDS", default=1.0
)
MOBIZON_BASE_URL = env("MOBIZON_BASE_URL", default="https://api.mobizon.kz")
MOBIZON_API_KEY = env("MOBIZON_API_KEY", default="")
MOBIZON_SENDER = env("MOBIZON_SENDER", default="")
SMSC_BASE_URL = env("SMSC_BASE_URL", default="https://smsc.kz")
SMSC_LOGIN = env("SMSC_LOGIN", default="")
SMSC_PASSWORD = env("SMSC_PASSWORD", default="")
SMSC_API_KEY = env("SMSC_API_KEY", default="")
SMSC_SENDER = env("SMSC_SENDER", default="")
