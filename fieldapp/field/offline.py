"""The service worker's source, stamped with a hash of the app shell it caches."""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

SHELL_LIST = re.compile(r"const SHELL_FILES = \[(.*?)\];", re.S)


@lru_cache(maxsize=4)
def service_worker_source(static_folder: str) -> str:
    """sw.js with ``__SHELL_HASH__`` replaced by a hash of itself and every shell file's bytes.

    A changed shell file yields a new worker version, so phones fetch the new files once and
    otherwise load them from the cache without asking the server.
    """
    static = Path(static_folder)
    source = (static / "js" / "field" / "sw.js").read_text(encoding="utf-8")
    digest = hashlib.sha256(source.encode())
    for path in re.findall(r'"/static/([^"]+)"', SHELL_LIST.search(source).group(1)):
        digest.update((static / path).read_bytes())
    return source.replace("__SHELL_HASH__", digest.hexdigest()[:12])
