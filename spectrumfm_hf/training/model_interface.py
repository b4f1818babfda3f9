"""What training relies on from the model and the feature extractor, named in one place.

The training code reaches into the model family only through these names: the inputs a
forward takes, the encoder's module names that LoRA targets, and how task heads are found.
"""

from __future__ import annotations

import itertools

from torch import nn

MODEL_INPUT_NAMES = ("input_values", "attention_mask")
"""Feature-extractor outputs every SpectrumFM forward takes (other outputs are dropped)."""

SYMBOL_MASK_NAME = "symbol_mask"
"""Pre-training forward argument: (B, N) float, 1 visible, 0 masked (m in eq. 20)."""

LABELS_NAME = "labels"
"""Classification forward argument: (B,) class indices."""

LORA_TARGET_MODULES = (
    "query",
    "key",
    "value",
    "output",
    "fc1",
    "fc2",
    "pointwise_conv1",
    "pointwise_conv2",
)
"""Encoder linears LoRA adapts: attention projections (eq. 12-14), feed-forward linears
(eq. 11, 18) and the pointwise convolutions (eq. 15, 17), held as ``nn.Linear``."""


def task_head_modules(model: nn.Module) -> list[str]:
    """Names of a task model's head modules: its direct children with parameters or buffers, other than the encoder.

    Found from the model rather than listed, so that PEFT's ``modules_to_save`` follows the
    head of whichever class (classification, pre-training, anomaly detection) is given.

    Args:
        model: a SpectrumFM task model (not wrapped by PEFT).
    """
    encoder_name = getattr(model, "base_model_prefix", "spectrumfm")
    return [
        name
        for name, child in model.named_children()
        # Buffers count: the anomaly detector's normal-embedding statistics are fitted, not trained.
        if name != encoder_name and any(True for _ in itertools.chain(child.parameters(), child.buffers()))
    ]
