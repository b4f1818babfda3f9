"""One rank of the 2-process DeepSpeed test on CPU: the same tiny pre-training as ``ddp_worker.py``.

Run by ``test_distributed.py`` under ``accelerate launch`` with ``--deepspeed`` on the command
line, so that the options go through :func:`parse_script_arguments` as a user's would. Saves the
full weights (gathered from every rank's shard under ZeRO-3) and the world size.
"""

import sys
from pathlib import Path

import deepspeed
import torch

from spectrumfm_hf import SpectrumFMForPretraining
from spectrumfm_hf.training import PrecisionChoice, pretraining_trainer
from spectrumfm_hf.training.recipes import PretrainingScriptArguments, parse_script_arguments
from tests.conftest import tiny_config
from tests.training.helpers import feature_extractor, iq_rows


def main(output_dir: Path, deepspeed_config: str) -> None:
    _, arguments = parse_script_arguments(PretrainingScriptArguments, [
        "--output_dir", str(output_dir), "--deepspeed", deepspeed_config, "--per_device_train_batch_size", "4",
        "--max_steps", "3", "--eval_strategy", "no", "--save_strategy", "no", "--load_best_model_at_end", "false",
        "--eval_on_start", "false", "--disable_tqdm", "true", "--logging_steps", "1",
    ])
    precision = PrecisionChoice("fp32", "cpu", "distributed test")
    torch.manual_seed(0)
    model = SpectrumFMForPretraining(tiny_config())
    trainer = pretraining_trainer(model, feature_extractor(), arguments, iq_rows(32), precision=precision)
    trainer.train()
    with deepspeed.zero.GatheredParameters(list(model.parameters()), modifier_rank=None):
        state = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
    record = {
        "world_size": trainer.args.world_size,
        "deepspeed": trainer.is_deepspeed_enabled,
        "stage": trainer.accelerator.state.deepspeed_plugin.zero_stage,
        "state": state,
    }
    torch.save(record, output_dir / f"rank{trainer.args.process_index}.pt")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
