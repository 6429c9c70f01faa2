"""The ground floor: what every other room builds on and nothing here imports from above.

vocab (words <-> ids, the special words), model (BackoffModel, the one representation), index (its lookup and
the one back-off recursion), errors (the error hierarchy), io (files, compressed or not, read by line with
file:line errors, written atomically), progress (progress on a terminal), workdir (temporary working folders
that a killed run does not leave behind), row_file (arrays larger than memory in a working file, read back a
slice at a time).
"""
