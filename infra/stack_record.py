"""A data dir knows its dev stack: `creative-saas dev` records where its parts listen.

Operator commands given the same `--data-dir` read the Temporal address from here, so
`credits reconcile --data-dir D` reaches the stack that D belongs to, whatever its ports.
TEMPORAL_ADDRESS in the environment still wins.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

STACK_FILE = "stack.json"


@dataclass(frozen=True)
class StackRecord:
    temporal_address: str
    api_url: str
    ui_url: str
    demo_account_id: str


def write_stack_record(data_dir: Path, record: StackRecord) -> Path:
    path = data_dir / STACK_FILE
    path.write_text(json.dumps(asdict(record), indent=2) + "\n")
    return path


def read_stack_record(data_dir: Path) -> StackRecord | None:
    """The record of the data dir's stack, or None when there is none (or it is unreadable)."""
    try:
        data = json.loads((data_dir / STACK_FILE).read_text())
        return StackRecord(**{name: str(data[name]) for name in StackRecord.__dataclass_fields__})
    except (OSError, ValueError, KeyError, TypeError):
        return None
