"""Print which parts of ``spectrumfm_hf.data`` import which, read from the source with ``ast``.

Every ``import`` and ``from ... import`` between modules of the package is collected (relative
imports resolved, imports inside functions included), then summarised per part: a sub-package
(``tasks``, ``formats``...) or a top-level module (``base``, ``dsp``, ``hf``...). A part that
imports a part of a higher layer, or a task module that imports another task module, is flagged.

    python examples/import_graph.py                    # this checkout
    python examples/import_graph.py --root /other/checkout --modules
"""

from __future__ import annotations

import argparse
import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = "spectrumfm_hf.data"

# The layers, lowest first; parts not listed (e.g. modules kept at their former paths) are shown unranked.
LAYERS = (
    ("base", "labels"),
    ("dsp",),
    ("transmitters",),
    ("impairments",),
    ("tasks",),
    ("pretraining",),
    ("formats", "hf"),
    # Names every generator; imports one only inside make_generator.
    ("registry",),
)


def module_name(path: Path, package_root: Path) -> str:
    relative = path.relative_to(package_root).with_suffix("")
    parts = [part for part in relative.parts if part != "__init__"]
    return ".".join([PACKAGE, *parts])


def imported_modules(path: Path, name: str, known: set[str]) -> set[str]:
    """Modules of the package that module ``name`` (source ``path``) imports."""
    tree = ast.parse(path.read_text())
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # "from . import x" may name a submodule x.
            targets = [prefix] + [f"{prefix}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(target for target in targets if target in known and target != name)
    return found


def part_of(module: str) -> str:
    rest = module[len(PACKAGE) + 1 :] if module != PACKAGE else "__init__"
    return rest.split(".")[0]


def layer_of(part: str) -> int | None:
    return next((number for number, parts in enumerate(LAYERS) if part in parts), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1], help="repository checkout")
    parser.add_argument("--modules", action="store_true", help="also list the module-level edges")
    args = parser.parse_args()

    package_root = args.root / "spectrumfm_hf" / "data"
    sources = {module_name(path, package_root): path for path in sorted(package_root.rglob("*.py"))}
    edges = {name: imported_modules(path, name, set(sources)) for name, path in sources.items()}

    part_edges: dict[str, set[str]] = defaultdict(set)
    for source, targets in edges.items():
        for target in targets:
            if part_of(source) != part_of(target) and part_of(source) != "__init__":
                part_edges[part_of(source)].add(part_of(target))

    print(f"parts of {PACKAGE} and the parts each imports:")
    for part in sorted({part_of(name) for name in sources} - {"__init__"}, key=lambda p: (layer_of(p) is None, layer_of(p) or 0, p)):
        layer = layer_of(part)
        label = f"layer {layer + 1}" if layer is not None else "unranked"
        print(f"  {part:<13} ({label}) -> {', '.join(sorted(part_edges[part])) or '-'}")

    problems = []
    for source, targets in sorted(edges.items()):
        for target in sorted(targets):
            source_layer, target_layer = layer_of(part_of(source)), layer_of(part_of(target))
            if source_layer is not None and target_layer is not None and target_layer > source_layer:
                problems.append(f"  upward: {source} -> {target}")
            tasks = f"{PACKAGE}.tasks."
            if source.startswith(tasks) and target.startswith(tasks) and not target.endswith((".base", ".tasks")):
                problems.append(f"  task imports task: {source} -> {target}")
    print("problems:" if problems else "problems: none")
    print("\n".join(problems))

    if args.modules:
        print("module edges:")
        for source, targets in sorted(edges.items()):
            if targets:
                short = sorted(target[len(PACKAGE) + 1 :] for target in targets)
                print(f"  {source[len(PACKAGE) + 1:] or '__init__'} -> {', '.join(short)}")


if __name__ == "__main__":
    main()
