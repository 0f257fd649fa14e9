"""The atomic writer and Module.save/load never clobber what they should not (issue 14, items 7-10)."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from chainrule import Parameter
from chainrule.files import write_atomic
from chainrule.nn import MLP, Module, Neuron

# --- item 7: special files are written through, symlinks followed ------------------------------


def test_a_symlink_is_followed_and_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, b"new")
    assert link.is_symlink() and real.read_text() == "new"
    chained = tmp_path / "chained.json"
    chained.symlink_to(link)
    MLP(1, [1]).save(chained)
    assert chained.is_symlink() and link.is_symlink() and json.loads(real.read_text())["parameters"]


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "missing.txt")
    write_atomic(link, b"x")
    assert link.is_symlink() and (tmp_path / "missing.txt").read_bytes() == b"x"


def test_a_fifo_is_written_through_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_atomic(fifo, b"through the pipe")
    reader.join(10)
    assert received == [b"through the pipe"]
    assert fifo.is_fifo()  # still a FIFO, not a regular file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_a_device_node_stays_a_device(tmp_path: Path) -> None:
    device = tmp_path / "null"  # our own /dev/null, so that a broken writer cannot destroy the real one
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError) as error:
        pytest.skip(f"cannot make a device node here: {error}")
    before = device.stat()
    write_atomic(device, b"nothing")
    MLP(1, [1]).save(device)
    after = device.stat()
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_rdev, after.st_ino) == (before.st_rdev, before.st_ino)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_a_directory_is_refused_naming_the_path(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError, match=str(tmp_path)):
        write_atomic(tmp_path, b"x")


# --- item 8: the longest legal file name can be saved ------------------------------------------


@pytest.mark.parametrize("length", [241, 242, 250, 255])
def test_a_file_name_up_to_the_limit_can_be_written(tmp_path: Path, length: int) -> None:
    target = tmp_path / ("m" * (length - 5) + ".json")
    assert len(target.name) == length
    MLP(1, [1]).save(target)
    assert json.loads(target.read_text())["parameters"]
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left


# --- item 9: a corrupted parameter file is a ValueError naming the file, the model unchanged ----


@pytest.mark.parametrize(("text", "says"), [
    ('{"format": "chainrule.nn.parameters/1", "model": "m", "parameters": {"w.0": 1' + "0" * 400 + "}}",
     "too large for a float"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"format": "chainrule.nn.parameters/1", "parameters": {"w.0": 1' + "0" * 5000 + "}}", "invalid JSON"),
])
def test_a_corrupted_file_is_a_value_error_naming_the_file(tmp_path: Path, text: str, says: str) -> None:
    model = Neuron(1)
    path = tmp_path / "bad.json"
    path.write_text(text.replace('"w.0"', '"w.0": 0.5, "b"') if "parameters" in text else text)
    before = model.state_dict()
    with pytest.raises(ValueError, match=says) as caught:
        model.load(path)
    assert str(path) in str(caught.value)
    assert model.state_dict() == before


# --- item 10: a module that refers to its parent or to itself ----------------------------------


class _Child(Module):
    def __init__(self) -> None:
        self.w = Parameter(1.0)


class _Parent(Module):
    def __init__(self) -> None:
        self.child = _Child()
        self.b = Parameter(2.0)
        self.child.parent = self
        self.me = self
        self.loop: list[object] = [Parameter(3.0)]
        self.loop.append(self.loop)


def test_a_module_that_refers_to_its_parent_or_itself_works(tmp_path: Path) -> None:
    model = _Parent()
    assert [name for name, _ in model.named_parameters()] == ["child.w", "b", "loop.0"]
    assert model.state_dict() == {"child.w": 1.0, "b": 2.0, "loop.0": 3.0}
    model.zero_grad()
    path = model.save(tmp_path / "m.json")
    twin = _Parent()
    twin.b.data = 0.0
    twin.load(path)
    assert twin.state_dict() == model.state_dict()
    # the child's parameters include its parent's, through child.parent
    assert repr(model).splitlines() == ["_Parent(parameters=3)", "  (child): _Child(parameters=3)"]


def test_a_very_deep_chain_of_modules_needs_no_recursion() -> None:
    root = current = _Child()
    for _ in range(5_000):
        current.next = _Child()
        current = current.next
    assert len(root.parameters()) == 5_001
