"""Applications on top of the library: the n-gram against neural comparison (tables and plots)."""
