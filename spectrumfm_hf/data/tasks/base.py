"""What every task generator shares: one batched generation path and one result type.

A task generator makes example ``index`` of the data set seeded with ``seed`` from
``example_rng(seed, index)`` alone. :class:`TaskGenerator` owns everything around the task's own
draws: argument checks, blocks of bounded memory, ``generator(seed, index)`` as the first row of
``generate(seed, [index])``, sending each example's transmission through the channel in one
batch (:meth:`TaskGenerator.transmit`) and assembling the batch in the record schema
(:meth:`TaskGenerator.assemble`). A task implements :meth:`TaskGenerator._generate`.
"""

from __future__ import annotations

import abc
from typing import Any, Callable, Iterable, Sequence, Union

import numpy as np

from ...cards import card_template
from ..base import (
    GENERATION_PARAMETERS,
    SpectrumDataError,
    Transmission,
    check_generate_arguments,
    example_rng,
    iq_to_real,
    make_batch,
    python_scalar,
    record_from_batch,
)
from ..dsp import unit_power
from ..impairments import CHUNK_EXAMPLES, ImpairmentChain
from ..transmitters import Modulator, compatible_groups, render_together

__all__ = [
    "BLOCK_EXAMPLES",
    "RML2016_SNR_GRID_DB",
    "RML2018_SNR_GRID_DB",
    "Sender",
    "TaskGenerator",
    "balanced_labels_and_snrs",
    "resolve_transmitters",
]

RML2016_SNR_GRID_DB: tuple[float, ...] = tuple(float(v) for v in range(-20, 19, 2))
"""SNR grid of RML2016.10a, dB: -20..18 in steps of 2."""
RML2018_SNR_GRID_DB: tuple[float, ...] = tuple(float(v) for v in range(-20, 31, 2))
"""SNR grid of RML2018.01A, dB: -20..30 in steps of 2 (also that of the technology and anomaly sets)."""

# Examples generated at once inside ``generate`` (a few kB of random numbers and waveforms
# each): bounds the memory of a large request without changing any example.
BLOCK_EXAMPLES = 4096

Sender = Union[Modulator, Callable[[int, np.random.Generator], Transmission]]
"""What an example transmits: a batch-rendered :class:`~..transmitters.Modulator`, or any
``sender(num_samples, rng) -> Transmission``."""


def resolve_transmitters(
    argument: str, names: Sequence[str], transmitters: dict[str, Any] | None, make_default: Callable[[str], Any]
) -> list:
    """The transmitter of each of ``names``: its override in ``transmitters``, else ``make_default(name)``.

    Args:
        argument: the generator's argument that ``names`` came from (named in the error).
        names: the signals the generator draws from, in its order.
        transmitters: signal name -> transmitter overriding its default configuration, or None.
        make_default: builds the default transmitter of a name.
    """
    overrides = dict(transmitters or {})
    extra = [name for name in overrides if name not in names]
    if extra:
        raise SpectrumDataError(f"transmitters names {argument} not in {argument}: {extra}")
    return [overrides.get(name) or make_default(name) for name in names]


def _empty_columns(batch: int) -> dict[str, np.ndarray]:
    """Every generation parameter at its default: object arrays for text, float64 for numbers."""
    return {
        name: np.full(batch, default, dtype=object if kind == "string" else np.float64)
        for name, (kind, default) in GENERATION_PARAMETERS.items()
    }


def _set_row(columns: dict[str, np.ndarray], row: int, params: dict[str, Any]) -> None:
    for name, value in params.items():
        if name in columns:
            columns[name][row] = value


def _render_group(
    group: list[Modulator],
    senders_of_rows: list[Modulator],
    rows: np.ndarray,
    uniforms: np.ndarray,
    transmitted: np.ndarray,
    columns: dict[str, np.ndarray],
) -> None:
    """Render ``rows`` (each sent by a member of one group of compatible modulators) into ``transmitted``."""
    position = {id(member): number for number, member in enumerate(group)}
    member_of_row = np.array([position[id(sender)] for sender in senders_of_rows], dtype=np.intp)
    columns["transmitter"][rows] = np.asarray([member.name for member in group], dtype=object)[member_of_row]
    # Bounded passes, as the impairment chain makes them, keep the working set in cache.
    for start in range(0, rows.size, CHUNK_EXAMPLES):
        part = slice(start, start + CHUNK_EXAMPLES)
        iq, rendered = render_together(group, member_of_row[part], uniforms[part], transmitted.shape[1])
        transmitted[rows[part]] = iq
        for name, values in rendered.items():
            columns[name][rows[part]] = values


class TaskGenerator(abc.ABC):
    """Base of the task generators: ``generator(seed, index) -> record``, ``generate(seed, indices) -> batch``.

    Subclasses set ``name`` (the data set's short name), ``class_names``, ``num_samples`` and
    ``card_template`` (the ``hub_cards/`` template of :attr:`description`), and implement
    :meth:`_generate`.
    """

    name: str
    class_names: Sequence[str]
    num_samples: int
    card_template: str

    @abc.abstractmethod
    def _generate(self, seed: int, indices: np.ndarray) -> dict[str, np.ndarray]:
        """A batch in the record schema for checked, non-empty ``indices`` (at most :data:`BLOCK_EXAMPLES`)."""

    def card_fields(self) -> dict[str, Any]:
        """Values the card template of :attr:`description` refers to."""
        return {"generator": self}

    @property
    def description(self) -> str:
        """How the data are made, for a dataset card (rendered from ``hub_cards/<card_template>``)."""
        import jinja2

        template = jinja2.Template(card_template(self.card_template).read_text(), undefined=jinja2.StrictUndefined)
        return " ".join(template.render(**self.card_fields()).split())

    def generate(self, seed: int, indices: Sequence[int] | np.ndarray) -> dict[str, np.ndarray]:
        """Examples ``indices`` of the data set seeded with ``seed``, stacked column by column.

        Returns:
            ``"iq"`` float32 ``(batch, num_samples, 2)``, ``"label"`` int64 ``(batch,)`` and one
            ``(batch,)`` array per key of ``GENERATION_PARAMETERS`` (float32, int64 or str),
            as :func:`~spectrumfm_hf.data.base.make_batch` stacks them.
        """
        indices = check_generate_arguments(seed, indices, allow_empty=True)
        if indices.size == 0:
            return make_batch(np.zeros((0, self.num_samples, 2), np.float32), np.zeros(0, np.int64), {})
        blocks = [
            self._generate(int(seed), indices[start : start + BLOCK_EXAMPLES])
            for start in range(0, indices.size, BLOCK_EXAMPLES)
        ]
        if len(blocks) == 1:
            return blocks[0]
        return {key: np.concatenate([block[key] for block in blocks]) for key in blocks[0]}

    def __call__(self, seed: int, index: int) -> dict[str, Any]:
        """Example ``index`` of the data set seeded with ``seed`` as one record (the same values as :meth:`generate`)."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise SpectrumDataError(f"index must be a non-negative integer, got {index!r}")
        return record_from_batch(self.generate(seed, [int(index)]))

    def transmit(
        self,
        channel: Any,
        rngs: Iterable[np.random.Generator],
        senders: Sequence[Sender],
        params: dict[str, Sequence[Any] | np.ndarray] | None = None,
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Send each example's transmission through ``channel`` as one batch.

        Each example draws its transmission, then its channel (uniforms, then normals), from its
        own generator, so the result does not depend on the batch. Modulators are rendered in
        groups that share a pass (:func:`~..transmitters.compatible_groups`); an
        :class:`~..impairments.ImpairmentChain` impairs the whole batch, with the extra leading
        samples its stages with memory need, so captures carry no start-up transient. Any other
        ``channel(iq, rng, params)`` is called per example on exactly ``num_samples`` samples.

        Args:
            channel: the impairments.
            rngs: each example's generator (an iterator is enough: each is used once, in order).
            senders: what each example transmits.
            params: generation-parameter columns ``(batch,)`` the task sets (e.g. the SNR the
                channel's noise stage reads); they take precedence over what a transmitter records.

        Returns:
            complex128 ``(batch, num_samples)`` captures and every generation parameter as a
            ``(batch,)`` column (float64 for numbers, object for text).
        """
        batch, num_samples = len(senders), self.num_samples
        task_columns = {name: np.asarray(values) for name, values in (params or {}).items()}
        columns = _empty_columns(batch)
        if not isinstance(channel, ImpairmentChain):
            received = np.empty((batch, num_samples), np.complex128)
            for row, (rng, sender) in enumerate(zip(rngs, senders)):
                transmission = sender(num_samples, rng)
                row_params = dict(transmission.params)
                row_params.update({name: python_scalar(values[row]) for name, values in task_columns.items()})
                received[row] = channel(transmission.iq, rng, row_params)
                _set_row(columns, row, row_params)
            return received, columns

        length = num_samples + channel.history_samples(num_samples)
        transmitted = np.empty((batch, length), np.complex128)
        channel_uniforms = np.empty((batch, channel.num_uniforms(num_samples)))
        channel_normals = np.empty((batch, channel.num_normals(num_samples)))
        # Modulators draw their uniforms now and are rendered after the loop, a group per pass.
        distinct_senders = {id(sender): sender for sender in senders}.values()
        modulators = [sender for sender in distinct_senders if isinstance(sender, Modulator)]
        groups = [[modulators[position] for position in group] for group in compatible_groups(modulators)]
        group_number = {id(member): number for number, group in enumerate(groups) for member in group}
        group_of_row = [group_number.get(id(sender), -1) for sender in senders]
        group_sizes = np.bincount([number for number in group_of_row if number >= 0], minlength=len(groups))
        group_uniforms = [
            np.empty((size, group[0].num_uniforms(length))) for group, size in zip(groups, group_sizes.tolist())
        ]
        filled = [0] * len(groups)
        for row, (rng, sender, number) in enumerate(zip(rngs, senders, group_of_row)):
            if number >= 0:
                rng.random(out=group_uniforms[number][filled[number]])
                filled[number] += 1
            else:
                transmission = sender(length, rng)
                transmitted[row] = transmission.iq
                _set_row(columns, row, transmission.params)
            rng.random(out=channel_uniforms[row])
            rng.standard_normal(out=channel_normals[row])
        group_of_row = np.asarray(group_of_row)
        for number, (group, uniforms) in enumerate(zip(groups, group_uniforms)):
            # Rows of a group appear in row order, as their uniforms were filled.
            rows = np.flatnonzero(group_of_row == number)
            if rows.size:
                _render_group(group, [senders[row] for row in rows.tolist()], rows, uniforms, transmitted, columns)
        for name, values in task_columns.items():
            columns[name][:] = values
        received, updated = channel.apply_in_chunks(transmitted, channel_uniforms, channel_normals, columns, num_samples)
        for name, values in updated.items():
            # Cast into the schema's float64 and object columns; a key outside the schema has no column.
            if name in columns:
                columns[name][:] = values
        return received, columns

    def generate_balanced(
        self, seed: int, indices: np.ndarray, transmitters: Sequence[Sender], snr_db_grid: Sequence[float], channel: Any
    ) -> dict[str, np.ndarray]:
        """Example ``index`` from ``transmitters[index % len(transmitters)]`` at the SNR the index cycles to.

        The SNR is ``snr_db_grid[(index // len(transmitters)) % len(snr_db_grid)]``, so every
        contiguous block of ``len(transmitters) * len(snr_db_grid)`` indices holds each (class,
        SNR) pair once. Captures are scaled to unit power.
        """
        labels, snr_db = balanced_labels_and_snrs(indices, len(transmitters), snr_db_grid)
        received, columns = self.transmit(
            channel,
            # Made one at a time as the batch is drawn: a thousand live generators cost cache.
            (example_rng(seed, index) for index in indices.tolist()),
            [transmitters[label] for label in labels.tolist()],
            {"snr_db": snr_db},
        )
        return self.assemble(seed, indices, received, labels, columns)

    def assemble(
        self,
        seed: int,
        indices: np.ndarray,
        captures: np.ndarray,
        labels: np.ndarray,
        columns: dict[str, np.ndarray],
        scale_to_unit_power: bool = True,
    ) -> dict[str, np.ndarray]:
        """The batch in the record schema, with ``source``, ``seed`` and ``index`` filled in.

        Args:
            seed: the data set's seed.
            indices: each capture's index in the data set.
            captures: complex ``(batch, num_samples)``.
            labels: class index of each capture.
            columns: generation parameters, ``(batch,)`` each (missing ones take their defaults).
            scale_to_unit_power: scale each capture to unit mean power (an ideal AGC).
        """
        if scale_to_unit_power:
            captures = unit_power(captures)
        columns = dict(columns)
        columns.update(source="synthetic/" + self.name, seed=int(seed), index=indices)
        return make_batch(iq_to_real(captures), labels, columns)


def balanced_labels_and_snrs(
    indices: Sequence[int] | np.ndarray, num_classes: int, snr_db_grid: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Label ``index % num_classes`` and SNR (dB) ``snr_db_grid[(index // num_classes) % len(snr_db_grid)]`` of each index."""
    indices = np.asarray(indices, dtype=np.int64)
    grid = np.asarray(snr_db_grid, dtype=np.float64)
    return indices % num_classes, grid[(indices // num_classes) % grid.size]
