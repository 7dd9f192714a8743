"""The RSMI-NE estimator: V/buffer/E regions, coarse-graining filters Λ,
separable critics, variational bounds and the replica-batched training loop."""
