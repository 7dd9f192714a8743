"""The jobs of a study (``config.yaml``): every stage's stores, command options and targets.

A :class:`Plan` turns a checked configuration into what each stage needs, by plain names
(system, point label, lb, component count, chunk): the sample store of a point, the
``rsmine simulate`` and ``rsmine optimise`` options of a job, the runs stores an ensemble
merges, the settings of each analysis and the tables and figures that end the study.
Nothing here knows Snakemake; the workflow's ``common.smk`` wraps each in a one-line lookup
of its wildcards.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from typing import Any

from rsmine import study, systems
from rsmine.analysis.rsmi.transition import MIN_POINTS as TRANSITION_MIN_POINTS
from rsmine.errors import InputError
from rsmine.estimator import lattices
from rsmine.flags import option_flags

RSMI_FIGURES = ("rsmi_vs_control", "rsmi_vs_buffer")
ANALYSES = ("transition", "buffer_fits", "boundaryness", "components")
FILTER_TABLES = ("overlap", "peaks", "pca", "u1")
FILTER_FIGURES = ("projections", "overlap", "pca", "u1")


class Plan:
    """The jobs of one configuration (validated by the schema; checked here by study.check)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        study.check(config)
        self.root = config["results"]
        self.systems = {name: study.resolve(s) for name, s in config["systems"].items()}
        self.points = {name: study.points(name, s) for name, s in self.systems.items()}
        self.extrapolations = {
            name: self._extrapolation(name, spec)
            for name, spec in config.get("finite_size", {}).items()
        }
        self.chipping_figures = {
            name: self._chipping_figure(name, spec)
            for name, spec in config.get("chipping_figures", {}).items()
        }

    def results(self, path: str) -> str:
        """A path under the configured results directory."""
        return os.path.join(self.root, path)

    def point(self, system: str, label: str) -> study.Point:
        """The point of ``system`` named ``label``."""
        for point in self.points[system]:
            if point.label == label:
                return point
        raise ValueError(f"systems.{system}: no point named {label!r}")

    def model(self, system: str) -> str:
        """The model of ``system``, '' for a user's data without one."""
        return self.systems[system].get("model", "")

    def control(self, system: str) -> str:
        """Axis label of a system's control parameter."""
        return study.control_name(self.systems[system])

    def simulated(self, model: str) -> list[str]:
        """The systems of ``model`` that are simulated (not read from ``source``)."""
        return [
            n for n, s in self.systems.items() if s.get("model") == model and not s.get("source")
        ]

    def of_model(self, model: str) -> list[str]:
        """The systems of ``model``, simulated or the user's stores."""
        return [n for n, s in self.systems.items() if s.get("model") == model]

    def simulate_options(self, system: str, label: str) -> str:
        """Options of ``rsmine simulate <model>`` at one point."""
        return study.simulate_args(self.systems[system], self.point(system, label))

    def samples(self, system: str, label: str) -> str:
        """The sample store of a point: the user's ``source`` store, or the simulated one."""
        spec = self.systems[system]
        if spec.get("source"):
            return spec["source"][self.point(system, label).index]["store"]
        return self.results(f"samples/{system}/{label}.zarr")

    def chunks(self, system: str) -> list[tuple[int, int]]:
        """(first run, count) chunks of a system's ensemble."""
        opt = self.systems[system]["optimise"]
        return study.chunks(opt["runs"], opt["runs_per_job"])

    def optimise_options(
        self, system: str, label: str, lb: int, components: int, chunk: int
    ) -> str:
        """Options of ``rsmine optimise`` for one chunk of runs at one point, lb and count."""
        spec, point = self.systems[system], self.point(system, label)
        return study.optimise_args(spec, point, lb, components, chunk)

    def runs(self, system: str, label: str, lb: int, components: int, chunk: int) -> str:
        """The runs store of one optimise job."""
        return self.results(f"runs/{system}/{label}/LB{lb}/C{components}/c{chunk}.zarr")

    def runs_parts(self, system: str) -> list[dict[str, Any]]:
        """Every runs store of a system, with its point label, control value, lb and count."""
        spec = self.systems[system]
        return [
            {"path": self.runs(system, p.label, lb, k, c), "point": p.label, "control": p.value}
            | {"lb": lb, "components": k}
            for p in self.points[system]
            for lb in spec["optimise"]["lb"]
            for k in study.components_at(system, spec, p)
            for c in range(len(self.chunks(system)))
        ]

    def aggregate_parts(self, system: str) -> list[str]:
        """The ``--part POINT CONTROL RUNS_STORE`` words of ``rsmine aggregate`` for every runs
        store of ``system``."""
        return [
            word
            for part in self.runs_parts(system)
            for word in ("--part", part["point"], str(float(part["control"])), part["path"])
        ]

    def aggregate_options(self, system: str) -> dict[str, Any]:
        """``rsmine aggregate``'s --runs (expected per point, lb and count) and --params (the
        system's configuration entry, recorded in the ensemble store, as JSON)."""
        spec = self.systems[system]
        return {"runs": spec["optimise"]["runs"], "params": json.dumps(spec)}

    def title(self, system: str) -> str:
        """Figure title: the system, its lattice, samples per point, runs and buffer widths."""
        spec = self.systems[system]
        opt = spec["optimise"]
        tail = f"{opt['runs']} runs per point and lb, lb {', '.join(map(str, opt['lb']))}"
        if "simulate" not in spec:
            return f"{system} (own samples)\n{tail}"
        model, sim = systems.SYSTEMS[spec["model"]], spec["simulate"]
        lattice = model.lattice_text.format(size=sim[model.size_key])
        samples = sim.get("samples", sim.get("chains", 0) * sim.get("sweeps", 0))
        return f"{system}: {lattice}, {samples} samples\n{tail}"

    def visible_side(self, system: str) -> int:
        """lv of ``system`` (the buffer fits' distance form uses lb + lv/2)."""
        return int(self.systems[system]["optimise"]["lv"])

    def staggered(self, system: str) -> bool:
        """Whether ``system``'s relevant filters are staggered: an Ising antiferromagnet."""
        spec = self.systems[system]
        return spec.get("model") == "ising" and spec.get("simulate", {}).get("J", 1.0) < 0

    def main_components(self, system: str) -> int:
        """The component count every point of ``system`` runs (the first of a sweep)."""
        return study.main_components(self.systems[system])

    def filter_systems(self) -> list[str]:
        """The systems with filter-ensemble analyses."""
        return [n for n, s in self.systems.items() if "filter_ensemble" in s]

    def filter_settings(self, system: str) -> dict[str, Any]:
        """A system's filter_ensemble block, with the defaults of the omitted keys, and the
        component count every point runs (a components sweep's other counts are left out)."""
        return study.filter_ensemble_settings(self.systems[system])

    def field_systems(self) -> list[str]:
        """Systems with a dimer_fields entry (checked at plan time by rsmine.study.check)."""
        return [name for name, spec in self.systems.items() if "dimer_fields" in spec]

    def field_labels(self, system: str) -> list[str]:
        """Point labels of systems.<system>.dimer_fields.points."""
        labels = {p.value: p.label for p in self.points[system]}
        return [labels[float(v)] for v in self.systems[system]["dimer_fields"]["points"]]

    def field_legend(self, system: str) -> list[str]:
        """Legend labels of the dimer_fields points: T=<value>."""
        values = [float(v) for v in self.systems[system]["dimer_fields"]["points"]]
        return [f"T={'∞' if math.isinf(v) else format(v, 'g')}" for v in values]

    def field_filters(self, system: str, label: str) -> str:
        """The runs store whose filters a dimer_fields point uses: chunk 0 at
        dimer_fields.lb, the main component count."""
        lb = self.systems[system]["dimer_fields"]["lb"]
        return self.runs(system, label, lb, self.main_components(system), 0)

    def coarse(self, system: str, label: str) -> str:
        """The coarse-grained sample store of one dimer_fields point."""
        return self.results(f"coarse/{system}/{label}.zarr")

    def rotation(self, system: str, plane: str, label: str) -> str:
        """The rotation table of one dimer_fields point in one plane."""
        return self.results(f"tables/{system}_rotation_{plane}_{label}.csv")

    def coarse_grain_options(self, system: str, label: str) -> str:
        """Options of ``rsmine coarse-grain`` at one dimer_fields point."""
        fields = self.systems[system]["dimer_fields"]
        seed = study.simulate_seed(fields["seed"], self.point(system, label))
        return option_flags({"run": fields["run"], "seed": seed, "stride": self._stride(system)})

    def _stride(self, system: str) -> int:
        """coarse-grain's stride on a dimer system: two vertices, the dimer lattice's unit cell
        of columnar and plaquette order (at odd vertex offsets a filter reads the other
        sublattice, and G(r) would zigzag), where it tiles the simulated lattice; else lv."""
        spec = self.systems[system]
        lv, stride = spec["optimise"]["lv"], 2 * lattices.step(lattices.DIMER_GRID)
        if "simulate" not in spec or stride > lv:
            return lv
        side = systems.lattice_side(spec["model"], spec["simulate"])
        return stride if side % stride == 0 else lv

    def analysed(self, system: str, analysis: str) -> bool:
        """Does ``system`` get ``analysis``? Each needs enough points, lb values or counts."""
        spec = self.systems[system]
        finite = [p for p in self.points[system] if math.isfinite(p.value)]
        return {
            "transition": len(finite) >= TRANSITION_MIN_POINTS,
            "buffer_fits": len(spec["optimise"]["lb"]) >= 3,
            "boundaryness": spec.get("model") == "ising" and spec["optimise"]["lv"] >= 3,
            "components": len(study.component_counts(spec)) >= 2,
        }[analysis]

    def _extrapolation(self, name: str, spec: Mapping[str, Any]) -> dict[str, Any]:
        """A finite_size entry checked (one simulated model, distinct sizes, the transition
        analysis and lb on every system, ν known or fittable), with its sizes and ν."""
        key = f"finite_size.{name}"
        names = spec["systems"]
        unknown = [s for s in names if s not in self.systems or "simulate" not in self.systems[s]]
        if unknown:
            raise InputError(f"{key}.systems: {unknown} are not simulated systems of this study")
        models = {self.model(s) for s in names}
        if len(models) != 1:
            raise InputError(f"{key}.systems: expected one model, got {sorted(models)}")
        model = systems.SYSTEMS[models.pop()]
        sizes = [int(self.systems[s]["simulate"][model.size_key]) for s in names]
        if len(set(sizes)) != len(sizes):
            raise InputError(f"{key}.systems: lattice sizes {sizes} must be distinct")
        for s in names:
            if not self.analysed(s, "transition") or spec["lb"] not in self.lbs(s):
                raise InputError(
                    f"{key}: systems.{s} needs >= {TRANSITION_MIN_POINTS} finite points and lb "
                    f"{spec['lb']} among its optimise.lb {self.lbs(s)}"
                )
        nu = spec.get("nu", model.nu)
        if nu is None and len(names) < 4:
            raise InputError(
                f"{key}.nu: the {self.model(names[0])} model has no known exponent; "
                "give nu, or four or more systems to fit it"
            )
        return {"systems": list(names), "sizes": sizes, "lb": spec["lb"], "nu": nu}

    def _chipping_figure(self, name: str, spec: Mapping[str, Any]) -> dict[str, Any]:
        """A chipping_figures entry checked (chipping systems on one set of w), with its
        baseline window: the first system's lv, first lb and le, and le_thin (default 16)."""
        key, names = f"chipping_figures.{name}", list(spec["systems"])
        wrong = [s for s in names if s not in self.systems or self.model(s) != "chipping"]
        if wrong:
            raise InputError(f"{key}.systems: {wrong} are not chipping systems of this study")
        ws = {s: [p.value for p in self.points[s]] for s in names}
        if any(w != ws[names[0]] for w in ws.values()):
            raise InputError(f"{key}.systems: expected the same points (w), got {ws}")
        opt = self.systems[names[0]]["optimise"]
        window = {"lv": opt["lv"], "lb": opt["lb"][0], "le": opt["le"]}
        thin = spec.get("le_thin", 16)
        if thin >= window["le"]:
            raise InputError(f"{key}.le_thin: {thin} must be below {names[0]}'s le {window['le']}")
        return {"systems": names, "le_thin": thin, "origins": spec.get("origins", 4)} | window

    def chipping_baseline_samples(self, name: str) -> list[str]:
        """The sample stores of a chipping figure's baselines: its first system's, by point."""
        first = self.chipping_figures[name]["systems"][0]
        return [self.samples(first, p.label) for p in self.points[first]]

    def chipping_baseline_settings(self, name: str) -> dict[str, Any]:
        """w (in the order of chipping_baseline_samples), lv, lb, le, le_thin and origins."""
        spec = self.chipping_figures[name]
        first = spec["systems"][0]
        keys = ("lv", "lb", "le", "le_thin", "origins")
        return {"w": [p.value for p in self.points[first]]} | {k: spec[k] for k in keys}

    def chipping_learned(self, name: str) -> dict[str, list[str]]:
        """The ensemble stores of a chipping figure's systems, and the transition tables of
        those with the transition analysis (``transitions`` names them, in order)."""
        systems = self.chipping_figures[name]["systems"]
        found = [s for s in systems if self.analysed(s, "transition")]
        return {
            "ensembles": [self.results(f"ensembles/{s}.zarr") for s in systems],
            "transitions": [self.results(f"tables/{s}_transition.csv") for s in found],
            "with_transition": found,
            "systems": systems,
        }

    def lbs(self, system: str) -> list[int]:
        """The buffer widths ``system`` is optimised at."""
        return list(self.systems[system]["optimise"]["lb"])

    def extrapolation_tables(self, name: str) -> list[str]:
        """The transition tables a finite-size extrapolation reads, one per system."""
        return [
            self.results(f"tables/{s}_transition.csv") for s in self.extrapolations[name]["systems"]
        ]

    def extrapolation_settings(self, name: str) -> dict[str, Any]:
        """sizes, lb, nu (None: fitted), model and control of a finite-size extrapolation."""
        first = self.extrapolations[name]["systems"][0]
        return self.extrapolations[name] | {
            "model": self.model(first),
            "control": self.control(first),
        }

    def targets(self) -> list[str]:
        """Every table and figure the study ends in, system by system and analysis by analysis."""
        paths = self._rsmi() + self._filters() + self._fields() + self._extrapolated()
        paths += [
            f"{kind}/chipping/{name}{tail}"
            for name in self.chipping_figures
            for kind, tail in (("tables", "_baselines.csv"), ("figures", ".png"))
        ]
        return [self.results(path) for path in paths]

    def _extrapolated(self) -> list[str]:
        """The table and figure of every finite-size extrapolation."""
        return [
            f"{kind}/finite_size/{name}.{ext}"
            for name in self.extrapolations
            for kind, ext in (("tables", "csv"), ("figures", "png"))
        ]

    def _rsmi(self) -> list[str]:
        """RSMI tables and figures (against the buffer width only with at least two lb), and
        the analyses every system qualifies for."""
        several = {s: len(spec["optimise"]["lb"]) > 1 for s, spec in self.systems.items()}
        return (
            [f"tables/{s}_rsmi.csv" for s in self.systems]
            + [
                f"figures/{s}_{f}.png"
                for s in self.systems
                for f in RSMI_FIGURES
                if several[s] or f != "rsmi_vs_buffer"
            ]
            + [
                f"{kind}/{s}_{a}.{ext}"
                for s in self.systems
                for a in ANALYSES
                if self.analysed(s, a)
                for kind, ext in (("tables", "csv"), ("figures", "png"))
            ]
        )

    def _filters(self) -> list[str]:
        """Galleries, alignment tables, chipping marginals, filter-ensemble tables and figures."""
        ensembles = self.filter_systems()
        return (
            [f"figures/{s}_filters.png" for s in self.systems]
            + [f"tables/{s}_filter_alignment.csv" for s in self.systems]
            + [f"figures/{s}_marginals.png" for s in self.of_model("chipping")]
            + [f"tables/{s}_filter_{t}.csv" for s in ensembles for t in FILTER_TABLES]
            + [f"figures/{s}_filter_{f}.png" for s in ensembles for f in FILTER_FIGURES]
        )

    def _fields(self) -> list[str]:
        """The figures of every system with dimer_fields (a rotation per plane)."""
        return [
            f"figures/{s}_{name}.png"
            for s in self.field_systems()
            for name in (
                "height",
                "coarse_correlation",
                *(f"rotation_{plane}" for plane in self.systems[s]["dimer_fields"]["planes"]),
            )
        ]
