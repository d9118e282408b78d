"""Post-hoc analysis of sweep results: Parquet -> DataFrames -> figures -> report."""
