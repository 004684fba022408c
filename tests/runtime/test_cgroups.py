"""cgroups.py: v2 and v1 against fake sysfs trees (file writes), v1 against the real host."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lambdalite.runtime.cgroups import (
    CgroupManager,
    EnvCgroup,
    cpu_shares,
    cpu_weight,
    parse_mountinfo,
    parse_proc_cgroup,
)

V2_MOUNTINFO = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
V1_MOUNTINFO = (
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
    "35 31 0:32 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
)
V1_PROC_CGROUP = "8:pids:/user.slice\n4:memory:/docker/abc\n1:cpu,cpuacct:/\n0::/\n"


def fake_v2(
    root: Path, own: str = "/", procs: str = "", controllers: str = "cpu io memory pids"
) -> Path:
    base = root / "sys/fs/cgroup" / own.strip("/")
    base.mkdir(parents=True, exist_ok=True)
    (base / "cgroup.controllers").write_text(controllers + "\n")
    (base / "cgroup.subtree_control").write_text("")
    (base / "cgroup.procs").write_text(procs)
    return base


def test_parse_mountinfo_keeps_cgroup_mounts_only() -> None:
    text = V1_MOUNTINFO + "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
    mounts = parse_mountinfo(text)
    assert [m.point for m in mounts] == [
        "/sys/fs/cgroup/cpu,cpuacct",
        "/sys/fs/cgroup/memory",
        "/sys/fs/cgroup/pids",
        "/sys/fs/cgroup/unified",
    ]
    assert mounts[1].root == "/docker/abc" and "memory" in mounts[1].options
    assert mounts[3].fstype == "cgroup2"


def test_parse_proc_cgroup_splits_comounted_controllers() -> None:
    assert parse_proc_cgroup(V1_PROC_CGROUP) == {
        "pids": "/user.slice",
        "memory": "/docker/abc",
        "cpu": "/",
        "cpuacct": "/",
        "": "/",
    }


def test_cpu_share_follows_memory_like_aws() -> None:
    assert cpu_shares(1769) == 1024
    assert cpu_shares(128) == 74
    assert cpu_shares(1) == 2
    assert cpu_weight(1769) == 39  # runc's mapping of 1024 shares
    assert 1 <= cpu_weight(128) < cpu_weight(10240) <= 10000


def test_v2_in_the_root_cgroup_enables_controllers_and_sets_limits(tmp_path: Path) -> None:
    base = fake_v2(tmp_path)
    manager = CgroupManager.detect(
        prefix=str(tmp_path), mountinfo=V2_MOUNTINFO, proc_cgroup="0::/\n", instance="42"
    )
    assert manager.version == "v2" and manager.problems == []
    parent = base / "lambdalite" / "42"
    assert set(manager.parents.values()) == {str(parent)}
    for directory in (base, base / "lambdalite", parent):
        assert (directory / "cgroup.subtree_control").read_text() == "+memory +pids +cpu"
    cgroup = manager.create("env-1", memory_mb=1769, pids_max=1024)
    env_dir = parent / "env-1"
    assert cgroup.paths == [str(env_dir)]
    assert (env_dir / "memory.max").read_text() == str(1769 << 20)
    assert (env_dir / "memory.swap.max").read_text() == "0"
    assert (env_dir / "pids.max").read_text() == "1024"
    assert (env_dir / "cpu.weight").read_text() == "39"


def test_v2_peak_memory_oom_count_and_kill(tmp_path: Path) -> None:
    env_dir = tmp_path / "env"
    env_dir.mkdir()
    for name, content in {
        "cgroup.controllers": "memory pids",
        "memory.max": "max",
        "pids.max": "max",
        "memory.peak": "123456\n",
        "memory.events": "low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\noom_group_kill 0\n",
        "cgroup.kill": "",
        "cgroup.procs": "",
    }.items():
        (env_dir / name).write_text(content)
    cgroup = EnvCgroup.attach([str(env_dir)])
    assert cgroup.version == "v2" and set(cgroup.dirs) == {"memory", "pids"}
    assert cgroup.peak_memory_bytes() == 123456
    assert cgroup.oom_kills() == 2
    cgroup.reset_peak_memory()  # a write through the file that is read (Linux >= 6.12)
    assert (env_dir / "memory.peak").read_text().startswith("reset")
    cgroup.kill_all()
    assert (env_dir / "cgroup.kill").read_text() == "1"


def test_v2_moves_a_lone_server_into_a_leaf_first(tmp_path: Path) -> None:
    base = fake_v2(tmp_path, own="/user.slice/app.scope", procs=f"{os.getpid()}\n")
    manager = CgroupManager.detect(
        prefix=str(tmp_path),
        mountinfo=V2_MOUNTINFO,
        proc_cgroup="0::/user.slice/app.scope\n",
        instance="7",
    )
    assert manager.version == "v2", manager.problems
    assert (base / "lambdalite-server" / "cgroup.procs").read_text() == str(os.getpid())
    assert set(manager.parents.values()) == {str(base / "lambdalite" / "7")}


def test_v2_refuses_to_move_other_processes(tmp_path: Path) -> None:
    fake_v2(tmp_path, own="/session.scope", procs=f"1\n{os.getpid()}\n")
    manager = CgroupManager.detect(
        prefix=str(tmp_path), mountinfo=V2_MOUNTINFO, proc_cgroup="0::/session.scope\n"
    )
    assert manager.version is None
    assert "also holds other processes" in manager.problems[0]
    assert manager.create("env", 128).paths == []


def test_v2_without_memory_controller_and_no_v1_says_why(tmp_path: Path) -> None:
    fake_v2(tmp_path, controllers="cpu io")
    manager = CgroupManager.detect(
        prefix=str(tmp_path), mountinfo=V2_MOUNTINFO, proc_cgroup="0::/\n"
    )
    assert manager.version is None
    assert manager.problems == ["no cgroup hierarchy with a memory or pids controller is mounted"]


def test_v1_fake_tree_in_a_container(tmp_path: Path) -> None:
    for controller in ("cpu,cpuacct", "memory", "pids/user.slice"):
        (tmp_path / "sys/fs/cgroup" / controller).mkdir(parents=True)
    manager = CgroupManager.detect(
        prefix=str(tmp_path), mountinfo=V1_MOUNTINFO, proc_cgroup=V1_PROC_CGROUP, instance="9"
    )
    assert manager.version == "v1" and manager.problems == []
    root = tmp_path / "sys/fs/cgroup"
    assert manager.parents == {
        "memory": str(root / "memory/lambdalite/9"),  # the container's cgroup is the mount root
        "pids": str(root / "pids/user.slice/lambdalite/9"),
        "cpu": str(root / "cpu,cpuacct/lambdalite/9"),
    }
    cgroup = manager.create("env", memory_mb=256)
    assert (root / "memory/lambdalite/9/env/memory.limit_in_bytes").read_text() == str(256 << 20)
    assert (root / "pids/user.slice/lambdalite/9/env/pids.max").read_text() == "1024"
    assert (root / "cpu,cpuacct/lambdalite/9/env/cpu.shares").read_text() == "148"
    assert len(cgroup.paths) == 3


def test_nothing_mounted_degrades_loudly(tmp_path: Path) -> None:
    manager = CgroupManager.detect(prefix=str(tmp_path), mountinfo="", proc_cgroup="")
    assert manager.version is None and manager.problems
    cgroup = manager.create("env", 128)
    assert cgroup.paths == [] and cgroup.peak_memory_bytes() is None and cgroup.oom_kills() is None


def test_stale_dirs_of_dead_servers_are_removed(tmp_path: Path) -> None:
    for controller in ("cpu,cpuacct", "memory", "pids/user.slice"):
        (tmp_path / "sys/fs/cgroup" / controller).mkdir(parents=True)
    stale = tmp_path / "sys/fs/cgroup/memory/lambdalite/999999999/old-env"
    stale.mkdir(parents=True)
    CgroupManager.detect(prefix=str(tmp_path), mountinfo=V1_MOUNTINFO, proc_cgroup=V1_PROC_CGROUP)
    assert not stale.parent.exists()


@pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
    reason="needs root and a cgroup v1 memory controller",
)
def test_v1_real_host() -> None:
    manager = CgroupManager.detect(instance=f"test-{os.getpid()}")
    assert manager.version == "v1", manager.problems
    cgroup = manager.create("env", memory_mb=128, pids_max=100)
    try:
        memory, pids = cgroup.dirs["memory"], cgroup.dirs["pids"]
        assert Path(memory, "memory.limit_in_bytes").read_text() == f"{128 << 20}\n"
        assert Path(pids, "pids.max").read_text() == "100\n"
        assert cgroup.peak_memory_bytes() == 0 and cgroup.oom_kills() == 0
        assert cgroup.procs() == set()
    finally:
        cgroup.remove()
        manager.close()
    assert not any(os.path.exists(p) for p in (memory, pids))
