"""The benchmark's step timer splits step time into data loading and compute, after warm-up."""

from spectrumfm_hf import SpectrumFMForPretraining
from spectrumfm_hf.training import PrecisionChoice, preset_training_arguments, pretraining_trainer
from spectrumfm_hf.training.benchmark import StepTimer

from ..conftest import tiny_config
from .helpers import feature_extractor, iq_rows


def test_step_timer_counts_the_steps_after_warm_up_and_both_parts_of_their_time(tmp_path):
    precision = PrecisionChoice("fp32", "cpu", "test")
    arguments = preset_training_arguments(
        str(tmp_path), "small-cpu", precision=precision, per_device_train_batch_size=4, max_steps=4,
        eval_strategy="no", save_strategy="no", load_best_model_at_end=False, disable_tqdm=True,
    )
    trainer = pretraining_trainer(SpectrumFMForPretraining(tiny_config()), feature_extractor(), arguments,
                                  iq_rows(16), precision=precision)
    timer = StepTimer(warmup_steps=1)
    trainer.add_callback(timer)
    trainer.train()
    assert timer.steps == 3
    assert timer.data_s > 0 and timer.compute_s > 0
