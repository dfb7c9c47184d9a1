"""Nuke GUI start-up: the Film Restoration menu and toolbar (built only when nuke.GUI)."""

import restoration_toolkit.nuke

restoration_toolkit.nuke.install()
