"""Pre-train SpectrumFM on the generated pre-training mixture with transformers.Trainer.

    python examples/pretrain.py --preset small-cpu --output_dir runs/pretrain-small

Every ``TrainingArguments`` option is available (``--learning_rate``, ``--num_train_epochs``,
``--resume_from_checkpoint``...); the preset fills the ones not given. Run under
``accelerate launch --config_file examples/accelerate/<config>.yaml`` to scale out.
"""

from __future__ import annotations

import json

from spectrumfm_hf.training.recipes import PretrainingScriptArguments, parse_script_arguments, run_pretraining


def main(argv: list[str] | None = None) -> dict:
    script_args, training_args = parse_script_arguments(PretrainingScriptArguments, argv)
    summary = run_pretraining(script_args, training_args)
    if training_args.process_index == 0:
        print(json.dumps(summary, default=float))
    return summary


if __name__ == "__main__":
    main()
