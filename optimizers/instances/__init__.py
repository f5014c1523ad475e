"""Synthetic companies for tests and benchmarks, not part of any optimizer: ``companies`` (the carve's four
instance families: metros, zips, uneven_reps, smb; :func:`~optimizers.instances.companies.make_instance`) and
``counties`` (county-covering companies for the contiguity tests and benchmark)."""
