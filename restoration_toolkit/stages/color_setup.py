"""The colour set-up a grading stage works in: the OCIO config, the working space and the
declared spaces, from the command's options first, then the project's ``color`` section.

Shared by the stages that grade a sequence (the pre-balance, MatchGrade fit and apply).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..core.project import DEFAULT_OCIO_CONFIG, Project

if TYPE_CHECKING:
    from ..core.color.sequences import ColorSetup

DEFAULT_WORKING_SPACE = "ACEScg"


def color_setup(
    project: Optional[Project],
    *,
    ocio: Optional[str] = None,
    working_space: Optional[str] = None,
    source_space: Optional[str] = None,
    target_space: Optional[str] = None,
) -> ColorSetup:
    """The ColorSetup for these options: a named space without any config uses OCIO's
    built-in ACES config; with neither, no conversion happens at all."""
    from ..core.color.sequences import ColorSetup  # the fit machinery: imported when used

    config = ocio or (project.color.ocio_config if project else None)
    working = working_space or (project.color.working_space if project else DEFAULT_WORKING_SPACE)
    if config is None and (source_space or target_space):
        config = DEFAULT_OCIO_CONFIG
    return ColorSetup(config=config, working=working, source=source_space, target=target_space)
