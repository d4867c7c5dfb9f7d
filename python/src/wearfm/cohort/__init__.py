"""Cohort-scale runs on Dask distributed: `embed`, `impute`, `read`.

    from distributed import Client, LocalCluster
    import wearfm.cohort
    client = Client(LocalCluster(n_workers=2, threads_per_worker=1))
    wearfm.cohort.embed("minutes/*.csv", "model.safetensors", "out/", client=client)
    wearfm.cohort.read("out/", "embeddings")

The same from the shell: `wearfm cohort embed INPUT... --model M -o OUT`."""
from .run import CohortResult, embed, impute, read, read_errors, run

__all__ = ["embed", "impute", "read", "read_errors", "run", "CohortResult"]
