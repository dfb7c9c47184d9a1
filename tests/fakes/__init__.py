"""Strict fakes of host applications (Nuke) for tests that run without them."""
