"""What the networks observe: the pipeline between the environment and the networks, as a frozen config."""

from __future__ import annotations

from dataclasses import dataclass, replace

from snnrl.core.checks import check_integer, check_real

PIPELINES = ("ram", "projection", "autoencoder")


@dataclass(frozen=True)
class ObservationConfig:
    """The observation pipeline (docs/howto/pixels.md).

    pipeline: 'ram' = the environment's own observation (Atari: RAM bytes / 255); 'projection' = the
    binary 210x160 frame times a fixed Gaussian matrix (entries N(0, variance), one matrix per
    realization, drawn from its key) to ``dim`` variables; 'autoencoder' = the sigmoid latent of the
    trained autoencoder saved at ``autoencoder`` (its latent size sets the dimension).
    """

    pipeline: str = "ram"
    dim: int = 4
    variance: float = 0.1
    autoencoder: str = ""

    def __post_init__(self) -> None:
        if self.pipeline not in PIPELINES:
            raise ValueError(f"ObservationConfig.pipeline={self.pipeline!r} is unknown; allowed: {list(PIPELINES)}")
        check_integer("ObservationConfig", "dim", self.dim, minimum=1)
        check_real("ObservationConfig", "variance", self.variance, finite=True, above=0.0)
        if not isinstance(self.autoencoder, str):
            raise ValueError(f"ObservationConfig.autoencoder must be a path (str), got {self.autoencoder!r}")
        if (self.pipeline == "autoencoder") != bool(self.autoencoder):
            raise ValueError(
                "ObservationConfig.autoencoder names the saved autoencoder (`snnrl autoencoder --out DIR`) of "
                f"pipeline 'autoencoder' and only of it; got pipeline={self.pipeline!r}, "
                f"autoencoder={self.autoencoder!r}"
            )

    def replace(self, **changes) -> ObservationConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)
