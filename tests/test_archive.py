"""Archives of store entries and `runs merge`: verified, never overwriting, hostile files refused."""

from __future__ import annotations

import io
import json
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest
from synthetic_runs import fake_result, overfitting_history

import mlp_core.store.archive as archive_module
import mlp_core.store.archive_members as members_module
from mlp_core.cli.main import main
from mlp_core.config import CODE_VERSION, RunConfig, run_key
from mlp_core.store.archive import ArchiveError, merge_archive, read_archive, write_archive
from mlp_core.store.run_store import RunStore

CONFIGS = [RunConfig(hidden=(100,)), RunConfig(hidden=(200,), seed=1)]


def stored(root: Path, device: str = "cuda", configs=CONFIGS) -> RunStore:
    store = RunStore(root)
    for config in configs:
        result = fake_result(config, overfitting_history(5, 3))
        store.save(replace(result, provenance=replace(result.provenance, device=device)))
    return store


def entries(store: RunStore) -> list[tuple[str, str]]:
    return [(entry.code_version, entry.key) for entry in store.entries()]


def archive_of(tmp_path: Path, purpose: str = "gpu") -> Path:
    source = stored(tmp_path / "source")
    path = tmp_path / "runs.tar.gz"
    write_archive(source, entries(source), path, {"purpose": purpose})
    return path


def raw_archive(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    """A tar.gz with exactly these members (headers as given)."""
    with tarfile.open(path, "w:gz") as tar:
        for info, payload in members:
            info.size = len(payload) if info.isfile() else 0
            tar.addfile(info, io.BytesIO(payload) if info.isfile() else None)
    return path


def member(name: str, kind: bytes = tarfile.REGTYPE, target: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


def test_an_archive_merges_into_an_empty_store_then_adds_nothing_twice(tmp_path):
    path = archive_of(tmp_path)
    target = RunStore(tmp_path / "target")
    report = merge_archive(path, target)
    assert len(report.added) == 2 and not (report.conflicts or report.invalid)
    for config in CONFIGS:
        assert target.load(config).history == stored(tmp_path / "again").load(config).history
    again = merge_archive(path, target)
    assert (again.added, len(again.identical)) == ([], 2)


def test_a_cuda_run_of_a_config_stored_from_the_cpu_is_refused_and_the_stored_one_kept(tmp_path):
    """Decision (runs/README.md): the device is provenance, not identity; a merge never replaces."""
    path = archive_of(tmp_path)  # computed on "cuda"
    target = stored(tmp_path / "target", device="cpu", configs=CONFIGS[:1])
    before = (target.path_for(CONFIGS[0], CODE_VERSION) / "summary.json").read_bytes()
    report = merge_archive(path, target)
    key = run_key(CONFIGS[0], CODE_VERSION)
    assert report.conflicts == [f"v{CODE_VERSION}/{key}"] and len(report.added) == 1
    assert (target.path_for(CONFIGS[0], CODE_VERSION) / "summary.json").read_bytes() == before
    assert target.load(CONFIGS[0]).provenance.device == "cpu"
    assert any("same key, different content" in line for line in report.lines())


def test_a_dry_run_writes_nothing(tmp_path):
    report = merge_archive(archive_of(tmp_path), RunStore(tmp_path / "target"), dry_run=True)
    assert len(report.added) == 2 and not (tmp_path / "target").exists()


def rewritten(path: Path, change) -> Path:
    """The archive at ``path`` with ``change(files)`` applied to its {name: bytes}."""
    with tarfile.open(path) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}
    change(files)
    return raw_archive(path.with_name("changed.tar.gz"), [(member(n), b) for n, b in files.items()])


def test_an_entry_whose_bytes_do_not_match_the_manifest_is_refused(tmp_path):
    def tamper(files):
        name = next(name for name in files if name.endswith("arrays.npz"))
        files[name] = files[name][:-1] + bytes([files[name][-1] ^ 1])

    report = merge_archive(rewritten(archive_of(tmp_path), tamper), RunStore(tmp_path / "t"))
    assert len(report.added) == 1 and "checksum does not match" in report.invalid[0]


def test_an_entry_filed_under_another_key_is_refused_even_with_matching_checksums(tmp_path):
    def rekey(files):
        manifest = json.loads(files["manifest.json"])
        listed = manifest["entries"][0]
        summary = json.loads(files[f"v{listed['version']}/{listed['key']}/summary.json"])
        summary["config"] = replace(RunConfig(hidden=(300,))).to_dict()  # not this key's config
        payload = json.dumps(summary).encode()
        files[f"v{listed['version']}/{listed['key']}/summary.json"] = payload
        listed["summary"] = archive_module.sha256(payload)
        files["manifest.json"] = json.dumps(manifest).encode()

    report = merge_archive(rewritten(archive_of(tmp_path), rekey), RunStore(tmp_path / "t"))
    assert len(report.added) == 1 and "another key" in report.invalid[0]


@pytest.mark.parametrize(
    ("members", "words"),
    [
        ([(member("../outside.json"), b"{}")], "outside the store"),
        ([(member("/etc/passwd"), b"x")], "outside the store"),
        ([(member("v2/0123456789abcdef/summary.json", tarfile.SYMTYPE, "/etc/passwd"), b"")], "link"),
        ([(member("v2/0123456789abcdef/arrays.npz", tarfile.LNKTYPE, "manifest.json"), b"")], "link"),
        ([(member("notes.txt"), b"hello")], "not a run-store entry file"),
        ([(member("v2/0123456789abcdef/summary.json", tarfile.FIFOTYPE), b"")], "not a plain file"),
        ([(member("v2/0123456789abcdef/summary.json"), b"{}")], "no manifest.json"),
        ([(member("manifest.json"), b"[1, 2]")], "malformed manifest.json"),
    ],
)  # fmt: skip
def test_a_hostile_archive_is_refused_as_a_whole_before_anything_is_written(
    tmp_path, members, words
):
    path = raw_archive(tmp_path / "hostile.tar.gz", members)
    with pytest.raises(ArchiveError, match=words):
        merge_archive(path, RunStore(tmp_path / "target"))
    assert not (tmp_path / "target").exists()


def test_oversized_archives_and_members_are_refused(tmp_path, monkeypatch):
    path = archive_of(tmp_path)
    monkeypatch.setattr(members_module, "MAX_MEMBER_BYTES", 100)
    with pytest.raises(ArchiveError, match="oversized"):
        read_archive(path)
    monkeypatch.setattr(archive_module, "MAX_ARCHIVE_BYTES", 100)
    with pytest.raises(ArchiveError, match="over 100"):
        read_archive(path)


def test_not_a_tar_and_the_quick_checks_toy_runs_are_refused(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar at all")
    with pytest.raises(ArchiveError, match="not a readable tar"):
        read_archive(junk)
    with pytest.raises(ArchiveError, match="never merged"):
        read_archive(archive_of(tmp_path, purpose="quick"))


def test_the_command_reports_and_exits_by_what_it_refused(tmp_path, capsys):
    path, target = archive_of(tmp_path), tmp_path / "target"
    assert main(["runs", "merge", str(path), "--store", str(target)]) == 0
    assert "added 2" in capsys.readouterr().out
    stored(tmp_path / "other", device="cpu", configs=CONFIGS[:1])
    assert main(["runs", "merge", str(path), "--store", str(tmp_path / "other")]) == 1
    assert "same key, different content" in capsys.readouterr().out
    hostile = raw_archive(tmp_path / "h.tar.gz", [(member("../x"), b"x")])
    assert main(["runs", "merge", str(hostile), "--store", str(target)]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "outside the store" in error


def test_an_entry_with_weights_travels_whole_and_damaged_weights_are_refused(tmp_path, tiny_split):
    from mlp_core.engine.train import train
    from mlp_core.store.entry import WEIGHTS
    from mlp_core.store.weights import keep_all

    config = RunConfig(hidden=(16,), epochs=1, validation_size=200)
    source = RunStore(tmp_path / "source", keep_weights=keep_all)
    source.save(train(config, split=tiny_split))
    path = tmp_path / "runs.tar.gz"
    manifest = write_archive(source, entries(source), path, {"purpose": "gpu"})
    assert "weights" in manifest["entries"][0]
    target = RunStore(tmp_path / "target")
    assert merge_archive(path, target).added == [f"v{CODE_VERSION}/{run_key(config, CODE_VERSION)}"]
    key = run_key(config, CODE_VERSION)
    assert target.load_weights(key)[1].hidden == (16,)
    # The same archive with its weights damaged (the manifest updated to match) is refused.
    _, files = read_archive(path)
    name = f"v{CODE_VERSION}/{key}/{WEIGHTS}"
    files[name] = files[name][:-1] + bytes([files[name][-1] ^ 1])
    manifest["entries"][0]["weights"] = archive_module.sha256(files[name])
    members = [(member("manifest.json"), json.dumps(manifest).encode())]
    members += [(member(file), payload) for file, payload in files.items()]
    report = merge_archive(raw_archive(tmp_path / "bad.tar.gz", members), RunStore(tmp_path / "t2"))
    assert not report.added and "checksum" in report.invalid[0]
