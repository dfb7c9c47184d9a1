"""Qt user interface: the one binding shim (``ui.qt``) and the Experiment Log panel.

Nothing here imports ``nuke``: the Nuke side (``restoration_toolkit.nuke``) hands the panel
callbacks. Importing this package imports no Qt; ``ui.qt`` does, when first imported.
"""
