"""``spectrumfm push``: publish a model, adapter or data set folder to the Hugging Face Hub."""

from __future__ import annotations

import argparse
import os

from .arguments import UsageError, add_command_parser

# The kinds of spectrumfm_hf.hub.PUSH_KINDS, repeated here so that parsing does not import the Hub client.
PUSH_KINDS = ("model", "adapter", "dataset")


def repo_id(text: str) -> str:
    """An argument that must look like a Hub repository id, ``namespace/name`` or ``name``."""
    parts = text.split("/")
    if not text or len(parts) > 2 or any(not part or part in (".", "..") for part in parts):
        raise argparse.ArgumentTypeError(f"expected a Hub repository id like 'namespace/name', got {text!r}")
    return text


def push_command_parser(subparsers: argparse._SubParsersAction | None = None) -> argparse.ArgumentParser:
    """Add ``push`` to ``subparsers`` (or return a parser of its own when ``None``)."""
    parser = add_command_parser(
        subparsers,
        "push",
        "publish a model, adapter or data set folder to the Hugging Face Hub",
        "Publish a folder in Hub layout to a Hub repository, created if absent: a model "
        "(save_pretrained of the model and feature extractor) or an adapter (PEFT save_pretrained with its "
        "head and task config.json) in one commit, a data set (save_to_disk) as Parquet shards with "
        "datasets' push_to_hub. Needs network access and a login (`hf auth login`) or HF_TOKEN.",
    )
    parser.add_argument("kind", choices=PUSH_KINDS, help="what the folder holds")
    parser.add_argument("folder", help="the folder to publish")
    parser.add_argument("--repo-id", required=True, type=repo_id, help="the repository, as namespace/name")
    parser.add_argument("--private", action="store_true", help="create the repository private")
    parser.add_argument("--commit-message", help="the commit message (default: 'Upload SpectrumFM <kind>')")
    parser.add_argument(
        "--metrics",
        help="a run_metrics.json: publish a card built from it instead of the folder's README.md "
        "(models and adapters)",
    )
    parser.add_argument("--model-name", help="the name in a card built from --metrics (default: --repo-id)")
    parser.add_argument(
        "--description", help="the opening paragraph of a card built from --metrics (default: names the task)"
    )
    parser.add_argument(
        "--base-model",
        help="Hub id of an adapter's base model, for a card built from --metrics "
        "(default: base_model_name_or_path of adapter_config.json)",
    )
    parser.set_defaults(func=push_command)
    return parser


def _card(args: argparse.Namespace, folder: str):
    """The card built from ``--metrics``, or ``None`` to publish the folder's own."""
    if args.metrics is None:
        for option in ("model_name", "description", "base_model"):
            if getattr(args, option) is not None:
                raise UsageError(f"--{option.replace('_', '-')} only applies with --metrics")
        return None
    if args.kind == "dataset":
        raise UsageError("--metrics builds model and adapter cards; a data set publishes its own README.md")
    import json

    from ..hub import HubError, adapter_card, check_hub_folder, model_card, read_run_metrics

    try:
        run = read_run_metrics(args.metrics)
        folder_path = check_hub_folder(args.kind, folder)
    except HubError as error:
        raise UsageError(str(error)) from None
    name = args.model_name or args.repo_id
    description = args.description or f"SpectrumFM {args.kind} for {run.task_name.lower()}."
    if args.kind == "model":
        return model_card(run, model_name=name, description=description)
    base_model = args.base_model
    if base_model is None:
        adapter_config = json.loads((folder_path / "adapter_config.json").read_text())
        base_model = adapter_config.get("base_model_name_or_path")
        if not base_model or os.path.isabs(base_model) or os.path.exists(base_model):
            raise UsageError(
                f"adapter_config.json names the base model {base_model!r}, not a Hub id; "
                "give --base-model namespace/name"
            )
    return adapter_card(run, model_name=name, base_model=base_model, description=description)


def push_command(args: argparse.Namespace) -> int:
    """Publish ``args.folder`` as ``args.kind`` to ``args.repo_id``."""
    from ..hub import HubError, check_hub_folder, push_folder

    try:
        check_hub_folder(args.kind, args.folder)
    except HubError as error:
        raise UsageError(str(error)) from None
    card = _card(args, args.folder)
    commit = push_folder(
        args.kind,
        args.folder,
        args.repo_id,
        card=card,
        private=True if args.private else None,
        commit_message=args.commit_message,
    )
    url = getattr(commit, "commit_url", None) or getattr(commit, "repo_url", None) or args.repo_id
    print(f"pushed {args.kind} {os.fspath(args.folder)} to {args.repo_id}: {url}")
    return 0
