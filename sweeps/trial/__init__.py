"""How one trial trains: data, models, optimizers, pipelines, warm graphs, callbacks, checkpoints, test scoring."""
