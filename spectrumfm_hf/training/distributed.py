"""DeepSpeed on CPU processes: the process-group set-up accelerate leaves out when there is no GPU.

``TrainingArguments(deepspeed=...)`` asks accelerate for its process state. accelerate chooses a
process-group backend only for an accelerator (``nccl`` for CUDA, and so on), so on a machine
without one it records a one-process run, while DeepSpeed itself starts the launcher's ranks
(with ``gloo`` on its CPU accelerator). transformers then fills the ``"auto"`` batch sizes of the
DeepSpeed configuration for one process, and DeepSpeed refuses them on the first step
("train_batch_size is not equal to micro_batch_per_gpu * gradient_acc_step * world_size").

:func:`deepspeed_on_cpu_options` configures accelerate's state first, with the ``gloo`` backend
and DeepSpeed as the distributed type, and returns the ``TrainingArguments`` options that make
the run take that state (``accelerator_config={"use_configured_state": true}``) and keep DeepSpeed
on (``use_cpu=False``: ``use_cpu`` turns DeepSpeed off). The model then trains on the CPU, as
there is no other device.
"""

from __future__ import annotations

import json
import os
from typing import Any, Sequence


class DeepSpeedLaunchError(ValueError):
    """A DeepSpeed run on CPU was started without a launcher."""


class FSDPDeviceError(ValueError):
    """FSDP was asked for by the launcher, but the run trains on the CPU, where accelerate does not shard."""


CONFIGURED_STATE = "use_configured_state"

_cpu_state_configured = False


def option_value(argv: Sequence[str], option: str) -> str | None:
    """The value of ``option`` in ``argv`` (``--name value`` or ``--name=value``), the last one given; None if absent."""
    value = None
    for position, argument in enumerate(argv):
        if argument == option and position + 1 < len(argv):
            value = argv[position + 1]
        elif argument.startswith(option + "="):
            value = argument.split("=", 1)[1]
    return value


def deepspeed_on_cpu_options(argv: Sequence[str]) -> list[str]:
    """Options to add to a training command line so that its ``--deepspeed`` run trains on CPU processes.

    Returns ``[]`` when ``argv`` has no ``--deepspeed`` or a CUDA device is present (accelerate
    then sets DeepSpeed up itself). Otherwise starts the process group of the launcher's ranks
    with ``gloo``, records it as accelerate's state, and returns ``--use_cpu false
    --accelerator_config {...}`` with ``use_configured_state`` added to the ``--accelerator_config``
    already in ``argv``, if any. Call it before ``TrainingArguments`` are made.

    Raises:
        DeepSpeedLaunchError: no launcher started this process (``LOCAL_RANK`` unset). DeepSpeed
            needs one even for a single process: ``accelerate launch``, ``torchrun`` or ``deepspeed``.
    """
    if not option_value(argv, "--deepspeed"):
        return []
    import torch

    if torch.cuda.is_available():
        return []
    if "LOCAL_RANK" not in os.environ:
        raise DeepSpeedLaunchError(
            "--deepspeed on a machine without a GPU needs a launcher to start its processes, even for one "
            "process: run it under `accelerate launch --config_file examples/accelerate/multi_cpu_ddp.yaml`, "
            "`torchrun --nproc_per_node N` or `deepspeed`"
        )
    accelerator_config = option_value(argv, "--accelerator_config")
    try:
        settings = json.loads(accelerator_config) if accelerator_config else {}
    except json.JSONDecodeError as error:
        raise ValueError(f"--accelerator_config must be a JSON object, got {accelerator_config!r}: {error}") from None
    if not isinstance(settings, dict):
        raise ValueError(f"--accelerator_config must be a JSON object, got {accelerator_config!r}")

    from accelerate import PartialState

    # accelerate reads this while making its state (transformers sets it only around its own call).
    os.environ["ACCELERATE_USE_DEEPSPEED"] = "true"
    PartialState(backend="gloo")
    global _cpu_state_configured
    _cpu_state_configured = True
    return ["--use_cpu", "false", "--accelerator_config", json.dumps({**settings, CONFIGURED_STATE: True})]


def keep_configured_state(overrides: dict[str, Any]) -> dict[str, Any]:
    """``overrides`` for a further ``TrainingArguments`` of a run set up by :func:`deepspeed_on_cpu_options`.

    ``TrainingArguments`` removes ``use_configured_state`` from its ``accelerator_config`` when it
    reads it, so arguments remade from parsed ones (a preset under the command line) would
    reset the configured state; this puts it back. Other runs' overrides are returned unchanged.
    """
    if not _cpu_state_configured:
        return overrides
    settings = overrides.get("accelerator_config") or {}
    settings = settings.to_dict() if hasattr(settings, "to_dict") else dict(settings)
    return {**overrides, "use_cpu": False, "accelerator_config": {**settings, CONFIGURED_STATE: True}}


def check_fsdp_device(device: str) -> None:
    """Refuse an FSDP launch (``ACCELERATE_USE_FSDP``) of a run that trains on ``device`` ``"cpu"``.

    accelerate turns FSDP on only for accelerator devices: on CPU processes an FSDP configuration
    would train as plain data parallelism (or, with ``use_cpu=False``, as unsynchronised single
    processes) without saying so.
    """
    if device == "cpu" and os.environ.get("ACCELERATE_USE_FSDP", "false").lower() == "true":
        raise FSDPDeviceError(
            "the launcher asks for FSDP, but this run trains on the CPU, where accelerate does not shard "
            "(it would train unsharded); launch with examples/accelerate/multi_cpu_ddp.yaml for data "
            "parallelism, and add --deepspeed examples/deepspeed/zero3.json to shard on CPU processes"
        )
