"""The paper's experiments in one resumable harness: ``spectrumfm benchmark --profile {micro,cpu,paper}``.

* :mod:`.profiles`: every number a profile scales, in one table (:data:`PROFILES`).
* :mod:`.store`: cells (:class:`CellKey`), one JSON file per finished cell, mean ± std over seeds.
* :mod:`.data`: generated sets shaped like RML2016.10A / 10B / 04C and the other tasks' sets, or
  the user's real files, split 70 / 10 / 20 by class and SNR once per (data set, seed).
* :mod:`.models`, :mod:`.runners`: SpectrumFM with LoRA (pre-trained and random encoder) and the
  baselines, trained through one ``Trainer`` path; validation selects, the test split is scored once.
* :mod:`.tables`, :mod:`.figures`: Tables II-III and Figs. 3-9 and 11 as Markdown, CSV and PNG.
* :mod:`.harness`: :func:`run_benchmark`, which plans, resumes and writes the manifest.

Only :mod:`.profiles` is imported here, so that the command line can check its arguments
without importing torch.
"""

from .profiles import PROFILES, BenchmarkProfile, BenchmarkProfileError, get_profile

__all__ = ["PROFILES", "BenchmarkProfile", "BenchmarkProfileError", "get_profile"]
