"""One rank of the 2-process CPU DDP test: pre-trains a tiny model a few steps, saves its weights.

Run by ``test_distributed.py`` under ``accelerate launch --num_processes 2 --cpu``.
"""

import sys
from pathlib import Path

import torch

from spectrumfm_hf import SpectrumFMForPretraining
from spectrumfm_hf.training import PrecisionChoice, preset_training_arguments, pretraining_trainer
from tests.conftest import tiny_config
from tests.training.helpers import feature_extractor, iq_rows


def main(output_dir: Path) -> None:
    precision = PrecisionChoice("fp32", "cpu", "distributed test")
    torch.manual_seed(0)
    model = SpectrumFMForPretraining(tiny_config())
    arguments = preset_training_arguments(
        str(output_dir), "small-cpu", precision=precision, per_device_train_batch_size=4, max_steps=3,
        eval_strategy="no", save_strategy="no", load_best_model_at_end=False, disable_tqdm=True, logging_steps=1,
    )
    trainer = pretraining_trainer(model, feature_extractor(), arguments, iq_rows(32), precision=precision)
    trainer.train()
    state = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
    torch.save({"world_size": trainer.args.world_size, "state": state}, output_dir / f"rank{trainer.args.process_index}.pt")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
