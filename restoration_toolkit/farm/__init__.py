"""Render-farm jobs: Open Job Description bundles of a stage (plan, files, templates), the
resumable task each chunk runs (it calls the stage through its runner, or Nuke), the check
that a frame on disk is complete, and a local runner that runs a bundle through openjd-cli.

Never imports nuke or Qt; the Nuke side's Render on Farm calls ``rtk farm``.
"""
