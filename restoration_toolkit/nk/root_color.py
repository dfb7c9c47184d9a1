"""The Root's color management for a written script: Nuke's built-in OCIO config of the target
Nuke version, or the project's own config file.

project.yaml's ``color.ocio_config`` is what the toolkit's own OCIO calls use. When it is one
of OCIO's built-in ACES configs (an ``ocio://`` URI, the default), the script names Nuke's
built-in studio config of the Nuke version it is written for — the config the method's
scripts use — so Nuke needs no file. When it names a config file, the script says ``custom``
and gives the path (the only form saved scripts show for a file). Sources and what is not
verified: notes/nuke-facts-nk.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional

from ..core.errors import RTKError
from ..core.project import Project

#: Nuke's built-in studio config by major version, as the Root's OCIO_config value.
NUKE_BUILTIN_OCIO: Dict[int, str] = {
    # unverified: assumed the same file as Nuke 15 (no Nuke 14 script or dump found)
    14: "fn-nuke_studio-config-v1.0.0_aces-v1.3_ocio-v2.1",
    # the method's project settings; a Nuke 15 set-up note; the OCIO_config menu values
    15: "fn-nuke_studio-config-v1.0.0_aces-v1.3_ocio-v2.1",
    # unverified: no Nuke 16 saved script found; Nuke 17 ships v2.2.0 / v3.0.0 configs —
    # the self-check (`rtk nk selfcheck`) reports the menu's real values
    16: "fn-nuke_studio-config-v1.0.0_aces-v1.3_ocio-v2.1",
}
DEFAULT_NUKE_VERSION = 15
#: The ``version`` line written for each target (a newer Nuke opens an older script silently).
HEADER_VERSION = {14: "14.1 v1", 15: "15.1 v1", 16: "16.0 v1"}
CUSTOM = "custom"


@dataclass(frozen=True)
class RootColor:
    """``OCIO_config`` value, ``customOCIOConfigPath`` (None unless custom), working space."""

    config: str
    custom_path: Optional[str]
    working_space: str

    def values(self) -> Dict[str, Optional[str]]:
        """The template placeholders this fills."""
        return {
            "ocio_config": self.config,
            "ocio_config_path": self.custom_path,
            "working_space": self.working_space,
        }


def check_nuke_version(version: int) -> int:
    if version not in NUKE_BUILTIN_OCIO:
        raise RTKError(
            f"--nuke-version must be one of {', '.join(map(str, NUKE_BUILTIN_OCIO))}, got {version}"
        )
    return version


def root_color(
    project: Project, nuke_version: int = DEFAULT_NUKE_VERSION, nuke_config: Optional[str] = None
) -> RootColor:
    """The Root color settings for ``project`` written for Nuke ``nuke_version``.

    ``nuke_config`` names another Nuke built-in config (e.g. the one the self-check found);
    it wins over the table."""
    check_nuke_version(nuke_version)
    working = project.color.working_space
    configured = project.color.ocio_config.strip()
    if nuke_config:
        return RootColor(nuke_config, None, working)
    if configured.startswith("ocio://"):
        return RootColor(NUKE_BUILTIN_OCIO[nuke_version], None, working)
    path = project.resolve(configured)
    if not path.is_file():
        raise RTKError(f"color.ocio_config names no file ({path})", project.root / "project.yaml")
    return RootColor(CUSTOM, path.as_posix(), working)
