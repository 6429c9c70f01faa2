"""Training on a Dask cluster (`pip install "ngramlm[dask]"`): counting and estimation spread over workers, the
same model as one machine's. `ngramlm train --workers N` starts a local cluster; `--scheduler ADDRESS` joins one;
in Python, pipeline.train_on_dask takes a `dask.distributed.Client`.

The stages run as Dask tasks on numpy arrays; every formula is the one-machine code's (ngramlm.smoothing), applied
to a partition of the n-grams that holds everything the formula needs. One module a stage, in the order the data
flows:
  shards          the text (files or fsspec URLs) split into byte ranges of whole lines; a worker counts its own
                  with the compiled core
  vocabulary      the workers' vocabularies joined in text order, and each shard's counts renumbered into it
  partitioning    hash partitioning of n-gram tables by two words (three for heavy pairs) and range
                  partitioning for writing, merging the pieces a partition receives, and the row lookups inside
                  a partition
  kneser_ney      lmplz's interpolated modified Kneser-Ney on partitions: adjusted counts by suffix, discounts
                  from the global count-of-counts, u and gamma by context, interpolation by suffix; --prune
  stupid_backoff  Stupid Backoff on partitions by context
  arpa_output     each range of first words formatted on a worker, the file written in order by the client
  pipeline        train_on_dask: the stages wired together, with progress and the measurements

Nothing here is imported by the package: dask is an optional dependency.
"""
