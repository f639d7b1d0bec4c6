"""Attachments recorded under one data folder are sent from the store of the folder peerdesk
runs on now (a backup restored elsewhere, a data folder moved); other paths are left alone."""

from __future__ import annotations

import hashlib
from pathlib import Path

from storage.files import DiskFileStore, relocated

CONTENT = b"%PDF-1.4 terms of reference"
SHA = hashlib.sha256(CONTENT).hexdigest()


def test_a_location_in_another_store_is_read_from_this_one(tmp_path: Path) -> None:
    here = DiskFileStore(tmp_path / "restored")
    assert here.keep(CONTENT) == SHA
    recorded = f"/srv/old-data/files/{SHA[:2]}/{SHA[2:4]}/{SHA}"
    moved = relocated(recorded, here.root)
    assert moved == here.location(SHA)
    assert Path(moved).read_bytes() == CONTENT
    assert relocated(here.location(SHA), here.root) == here.location(SHA)


def test_other_locations_stay_as_they_are(tmp_path: Path) -> None:
    root = tmp_path / "data"
    assert relocated(None, root) is None
    for elsewhere in ["/tmp/peerdesk-upload-1/report.pdf",  # an adapter's download
                      f"/srv/old-data/{SHA}",  # a hash, but not the store's layout
                      f"/srv/old-data/files/zz/{SHA[2:4]}/{SHA}",
                      f"/srv/old-data/other/{SHA[:2]}/{SHA[2:4]}/{SHA}",
                      "/srv/old-data/files/ab/cd/not-a-hash"]:
        assert relocated(elsewhere, root) == elsewhere
