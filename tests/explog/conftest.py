"""Fixtures for the experiment-log tests: a small project folder."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    root = tmp_path / "film"
    (root / "notes").mkdir(parents=True)
    (root / "media").mkdir()
    data = {
        "schema_version": 1,
        "name": "REEL1",
        "technique": "color-reference",
        "source": {"path": "media/scan.####.exr", "colorspace": "ADX10"},
        "reference": {
            "path": "media/ref.####.exr",
            "colorspace": "sRGB - Texture",
            "provenance": {
                "source": "archive print",
                "holder": "Cinematheque",
                "permission": "written, 2026",
            },
        },
        "color": {"working_space": "ACEScg", "delivery_space": "ACES2065-1"},
        "live_area": {"x0": 10, "y0": 20, "x1": 2038, "y1": 1536},
    }
    (root / "project.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return root
