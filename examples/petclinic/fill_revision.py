"""Put hand-written upgrade()/downgrade() bodies into the revision `still revision` just wrote.

Usage: python fill_revision.py BODIES_FILE   (the newest file in alembic/versions is filled)
"""

import sys
from pathlib import Path

versions = Path("alembic/versions")
newest = max(versions.glob("*.py"), key=lambda p: p.stat().st_mtime_ns)
text = newest.read_text()
head, _, _ = text.partition("\ndef upgrade() -> None:")
newest.write_text(head + "\n" + Path(sys.argv[1]).read_text())
print(f"wrote upgrade() and downgrade() into {newest}")
