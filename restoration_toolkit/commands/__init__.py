"""One module per `rtk` command (see restoration_toolkit.cli)."""
