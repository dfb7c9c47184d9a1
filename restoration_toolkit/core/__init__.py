"""Pure core of the toolkit: numpy / OpenCV / OpenImageIO / OpenColorIO, never nuke or Qt.

Images are float32 arrays shaped (H, W, C), top row first. Functions never mutate their
inputs and return small dataclasses.
"""
