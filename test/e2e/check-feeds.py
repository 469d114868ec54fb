"""Parses feed files with feedparser (Debian's python3-feedparser) and prints, per file, whether it parsed
cleanly (bozo == 0), its version and its entry count, as JSON lines. Used by the e2e tests."""
import json
import sys

import feedparser

for path in sys.argv[1:]:
    result = feedparser.parse(path)
    print(json.dumps({
        "path": path,
        "bozo": int(result.bozo),
        "error": str(result.get("bozo_exception", "")),
        "version": result.version,
        "entries": len(result.entries),
        "titles": [e.get("title", "") for e in result.entries],
    }))
