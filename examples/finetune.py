"""Fine-tune SpectrumFM on one task (amc, amc24, wtc, ss, ad) with LoRA, full fine-tuning or a linear probe.

    python examples/finetune.py --task amc --pretrained_model runs/pretrain-small --output_dir runs/amc-lora

Without ``--pretrained_model`` the encoder is randomly initialised at the preset's size (the
baseline that shows what pre-training brings). Every ``TrainingArguments`` option is available.
"""

from __future__ import annotations

import json

from spectrumfm_hf.training.recipes import FinetuningScriptArguments, parse_script_arguments, run_finetuning


def main(argv: list[str] | None = None) -> dict:
    script_args, training_args = parse_script_arguments(FinetuningScriptArguments, argv)
    summary = run_finetuning(script_args, training_args)
    if training_args.process_index == 0:
        print(json.dumps(summary, default=float))
    return summary


if __name__ == "__main__":
    main()
