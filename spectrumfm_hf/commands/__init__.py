"""The ``spectrumfm`` subcommands, one module each.

Adding a subcommand: write ``commands/<name>.py`` with ``<name>_command_parser(subparsers)``
(see :mod:`.generate`: parse with the checks of :mod:`.arguments`, import heavy libraries only
inside the handler it sets as ``func``), then add one line to :data:`COMMANDS`.
"""

# "module:parser function", in the order ``spectrumfm --help`` lists them.
COMMANDS = (
    "benchmark:benchmark_command_parser",
    "demo:demo_command_parser",
    "env:env_command_parser",
    "generate:generate_command_parser",
    "pretrain:pretrain_command_parser",
    "finetune:finetune_command_parser",
    "evaluate:evaluate_command_parser",
    "quickstart:quickstart_command_parser",
    "predict:predict_command_parser",
    "push:push_command_parser",
)
