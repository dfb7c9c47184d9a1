"""Synthetic test material shared by the tests, the benchmarks and ``rtk demo``.

Reels with known sync, scan/reference pairs with a known map, simulated fades, demo footage.
This is test material: nothing in ``core`` imports it, so a method never shares a model with
the simulation that made its test data.
"""
