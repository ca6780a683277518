"""The pieces of make_dataset.py: text clean-up, sources, split, output files, README."""
