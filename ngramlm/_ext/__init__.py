"""Compiled Cython modules built from ext/*.pyx."""
