"""Fault injection for the robustness suite (loaded by Python at start-up when this folder is
first on PYTHONPATH). With ``RTK_FAULT_UNDER=DIR`` and ``RTK_FAULT_ERRNO=N`` (28 = ENOSPC,
disk full; 30 = EROFS, read-only), every attempt to create, open for writing, rename onto or
make a folder under DIR fails with ``OSError(N)`` — what the kernel answers on a full or
read-only disk, and what a read-only folder answers to a user who is not root. Reading is
untouched. With ``RTK_FAULT_OLD_TORCH=1``, ``torch.load`` behaves as in torch 1.12 (the torch
of Nuke 14's export route): no ``weights_only`` argument (TypeError), full unpickling.
Only the robustness tests set these variables.
"""

from __future__ import annotations

import builtins
import io
import os

_UNDER = os.environ.get("RTK_FAULT_UNDER")
_ERRNO = int(os.environ.get("RTK_FAULT_ERRNO", "28"))


def _inside(path) -> bool:
    try:
        full = os.path.abspath(os.fspath(path))
    except TypeError:  # a file descriptor
        return False
    return full == _UNDER or full.startswith(_UNDER.rstrip(os.sep) + os.sep)


def _fail(path):
    raise OSError(_ERRNO, os.strerror(_ERRNO), os.fspath(path))


def _install() -> None:
    real_open, real_os_open = builtins.open, os.open
    real_replace, real_rename, real_mkdir = os.replace, os.rename, os.mkdir

    def open_(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+") and _inside(file):
            _fail(file)
        return real_open(file, mode, *args, **kwargs)

    def os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and _inside(path):
            _fail(path)
        return real_os_open(path, flags, *args, **kwargs)

    def replace(src, dst, *args, **kwargs):
        if _inside(dst):
            _fail(dst)
        return real_replace(src, dst, *args, **kwargs)

    def rename(src, dst, *args, **kwargs):
        if _inside(dst):
            _fail(dst)
        return real_rename(src, dst, *args, **kwargs)

    def mkdir(path, *args, **kwargs):
        if _inside(path):
            _fail(path)
        return real_mkdir(path, *args, **kwargs)

    builtins.open = io.open = open_
    os.open, os.replace, os.rename, os.mkdir = os_open, replace, rename, mkdir


def _old_torch() -> None:
    import torch

    real_load = torch.load

    def load(f, map_location=None, pickle_module=None, **kwargs):  # torch 1.12's signature
        if "weights_only" in kwargs:
            raise TypeError("load() got an unexpected keyword argument 'weights_only'")
        extra = {"pickle_module": pickle_module} if pickle_module is not None else {}
        return real_load(f, map_location=map_location, weights_only=False, **extra, **kwargs)

    torch.load = load


if _UNDER:
    _UNDER = os.path.abspath(_UNDER)
    _install()
if os.environ.get("RTK_FAULT_OLD_TORCH"):
    _old_torch()
