"""What both benchmarks share: the project root, PostgreSQL by URL, the load average."""

from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def connect(url, *, dbname=None):
    import psycopg2

    parsed = urlparse(url)
    return psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname=dbname or parsed.path.lstrip("/"),
    )


def database_name(url) -> str:
    return urlparse(url).path.lstrip("/")


def create_database(url):
    admin = connect(url, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database_name(url)])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{database_name(url)}"')
    admin.close()


def load_average() -> str:
    """The load average over 1, 5 and 15 minutes, or "unknown" where the system does not say."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"
