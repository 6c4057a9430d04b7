"""python -m bench.pages: the whole benchmark, or with --probe the probe of one database."""

import sys

from bench.pages.base import BenchError
from bench.pages.measure import main
from bench.pages.probe import probe

if __name__ == "__main__":
    try:
        if "--probe" in sys.argv[1:]:
            probe()
        else:
            main()
    except BenchError as error:
        sys.exit(f"bench-pages: {error}")
    except KeyboardInterrupt:
        sys.exit("bench-pages: interrupted; gunicorn stopped.")
