"""Real environments: what R can and cannot do, limits, reset, layers, destroy."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from lambdalite.runtime import interpreters
from lambdalite.runtime.spec import SandboxSpec
from lambdalite.runtime.zygote_client import SpawnError, Zygote
from tests.runtime.harness import (
    STANDIN_DIR,
    LoopThread,
    RemoteError,
    RuntimeHost,
    make_tree,
    sdk_dir,
    wait_for,
)

HOST_CANARY = "LAMBDALITE_TEST_CANARY"


@pytest.fixture
def env(runtime_host: RuntimeHost, code_dir: Path):
    environment = runtime_host.spawn(code_dir, env={"FOO": "bar"})
    environment.start()
    yield environment
    environment.destroy()


def test_every_protection_is_applied(env) -> None:
    assert env.sandbox.protections == {
        "pid_namespace": True,
        "mount_namespace": True,
        "ipc_namespace": True,
        "uts_namespace": True,
        "binds": True,
        "proc": True,
        "tmp": True,
        "filesystem": True,
        "hostname": True,
        "memory_limit": "cgroup",
        "pids_limit": "cgroup",
        "oom_score_adj": True,
        "capabilities": True,
        "uid": True,
        "no_new_privs": True,
        "seccomp": True,
        "clean_environment": True,
    }


def test_runtime_runs_unprivileged_and_confined(env) -> None:
    status = env.call(
        "result = {l.split(':')[0]: l.split(':')[1].strip()"
        " for l in open('/proc/self/status') if ':' in l}"
    )
    for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(status[key], 16) == 0, key
    assert status["NoNewPrivs"] == "1"
    assert status["Seccomp"] == "2"
    ids = env.call("import os; result = [os.getresuid(), os.getresgid(), os.getgroups()]")
    assert ids == [[65534] * 3, [65534] * 3, []]
    assert env.call("result = open('/proc/self/oom_score_adj').read()") == "1000\n"


def test_environment_is_exactly_the_spec(env, monkeypatch) -> None:
    assert env.call("import os; result = dict(os.environ)") == env.spec.env
    environ = env.call("result = open('/proc/self/environ', 'rb').read().decode()")
    assert "LAMBDALITE" not in environ and "HOME=/root" not in environ
    assert env.call("import os; result = os.getcwd()") == "/var/task"
    assert env.call("import socket; result = socket.gethostname()") == "sandbox-host"


def test_host_paths_are_invisible(env, data_dir: Path) -> None:
    for path in (data_dir / "secret.txt", data_dir, "/root/.bashrc", "/work/main/pyproject.toml"):
        assert not env.call(f"import os; result = os.path.exists({str(path)!r})"), path
    assert env.call("import os; result = os.listdir('/root')") in ([], [".pyenv"])
    # (mountinfo does name the code dir's host path as the bind's source: names, no access)
    assert env.call("result = open('/var/task/app.py').read()") == "X = 1\n"


def test_only_the_environments_processes_are_visible(env) -> None:
    pids = env.call("import os; result = [int(p) for p in os.listdir('/proc') if p.isdigit()]")
    assert pids == [2]  # R itself: H (pid 1, root) is hidden by hidepid
    assert str(os.getpid()) not in env.call("import os; result = os.listdir('/proc')")
    with pytest.raises(RemoteError, match=r"ProcessLookupError|PermissionError"):
        env.call("import os, signal; os.kill(1, signal.SIGKILL)")


@pytest.mark.parametrize(
    "path", ["/x", "/etc/passwd", "/var/task/new.py", "/var/task/app.py", "/opt/x", "/usr/x"]
)
def test_only_tmp_is_writable(env, path: str) -> None:
    with pytest.raises(RemoteError, match=r"Read-only file system|Permission denied"):
        env.call(f"open({path!r}, 'w').write('x')")


def test_tmp_and_shm_are_writable(env) -> None:
    env.call("open('/tmp/x', 'w').write('hello')")
    env.call("open('/dev/shm/x', 'w').write('hello')")
    assert env.call("import os; result = oct(os.stat('/tmp').st_mode & 0o7777)") == "0o1777"


@pytest.mark.parametrize(
    "call",
    [
        "libc.mount(b'none', b'/tmp', b'tmpfs', 0, None)",
        "libc.unshare(0x10000000)",  # CLONE_NEWUSER: allowed to anyone without seccomp
        "libc.ptrace(0, 0, None, None)",  # PTRACE_TRACEME
        "libc.chroot(b'/tmp')",
        "libc.setns(0, 0)",
        "libc.umount2(b'/proc', 2)",
    ],
)
def test_privileged_system_calls_are_denied(env, call: str) -> None:
    code = (
        "import ctypes; libc = ctypes.CDLL(None, use_errno=True)\n"
        f"rc = {call}\nresult = [rc, ctypes.get_errno()]"
    )
    assert env.call(code) == [-1, 1]  # EPERM


def test_stdout_and_stderr_reach_the_log_pipe_unbuffered(env) -> None:
    env.call("import sys; print('to stdout'); sys.stderr.write('to stderr\\n')")
    log = env.read_log(until=b"to stderr")
    assert b"to stdout\n" in log and b"to stderr\n" in log


def test_memory_bomb_is_killed_at_the_limit(runtime_host: RuntimeHost, code_dir: Path) -> None:
    env = runtime_host.spawn(code_dir, memory_mb=64)
    try:
        env.start()
        env.send("blocks = []\nwhile True: blocks.append(bytearray(1 << 20))")
        assert env.exited() == "signal: killed"
        assert env.sandbox.oom_kills() == 1
        peak = env.sandbox.peak_memory_bytes()
        assert peak is not None and 32 << 20 < peak <= 64 << 20
        env.start()  # H survived: a new runtime starts
        assert env.call("result = 6 * 7") == 42
    finally:
        env.destroy()


def test_fork_bomb_is_stopped_by_the_pids_limit(runtime_host: RuntimeHost, code_dir: Path) -> None:
    env = runtime_host.spawn(code_dir, pids_max=32)
    try:
        env.start()
        code = (
            "import os\ncount = 0\nerror = None\n"
            "while error is None:\n"
            "    try:\n"
            "        if os.fork() == 0:\n"
            "            os.execv('/bin/sleep', ['sleep', '600'])\n"
            "        count += 1\n"
            "    except OSError as exc:\n"
            "        error = exc.errno\n"
            "result = [count, error]"
        )
        count, error = env.call(code)
        assert error == 11 and count == 30  # EAGAIN; 32 = H + R + 30 children
        env.reset()
        assert env.exited() == "signal: killed"
        assert env.sandbox.cgroup is not None
        assert len(env.sandbox.cgroup.procs()) == 1  # only H is left
    finally:
        env.destroy()


def test_reset_kills_an_endless_loop_keeps_tmp_and_starts_clean(env) -> None:
    env.call("open('/tmp/kept', 'w').write('survives'); import builtins; builtins.marker = 1")
    env.send("while True: pass")
    env.reset()
    assert env.exited() == "signal: killed"
    env.start()
    assert env.call("result = open('/tmp/kept').read()") == "survives"
    assert env.call("import builtins; result = hasattr(builtins, 'marker')") is False


def test_runtime_exit_is_reported_in_aws_words(env) -> None:
    env.send("import sys; sys.exit(3)")
    assert env.exited() == "exit status 3"
    env.start()
    env.send("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    assert env.exited() == "signal: segmentation fault"


def test_a_second_start_while_running_is_refused(env) -> None:
    with pytest.raises(SpawnError, match="already running"):
        env.host.loop.run(env.sandbox.start_runtime())


def test_layers_merge_with_later_layers_winning(
    runtime_host: RuntimeHost, data_dir: Path, code_dir: Path
) -> None:
    first = make_tree(data_dir / "layers" / "1", {"a.txt": "1", "b.txt": "1", "python/m.py": ""})
    second = make_tree(data_dir / "layers" / "2", {"b.txt": "2", "c.txt": "2"})
    env = runtime_host.spawn(code_dir, layers=(first, second))
    try:
        env.start()
        read = "result = [open('/opt/%s.txt' % n).read() for n in 'abc']"
        assert env.call(read) == ["1", "2", "2"]
        assert env.call("import os; result = os.path.exists('/opt/python/m.py')")
        with pytest.raises(RemoteError, match="Read-only file system"):
            env.call("open('/opt/d.txt', 'w')")
    finally:
        env.destroy()


def test_one_layer_is_bound_and_no_layer_leaves_opt_empty(
    runtime_host: RuntimeHost, data_dir: Path, code_dir: Path
) -> None:
    layer = make_tree(data_dir / "layers" / "only", {"x.txt": "x"})
    for layers, listing in (((layer,), ["x.txt"]), ((), [])):
        env = runtime_host.spawn(code_dir, layers=layers)
        try:
            env.start()
            assert env.call("import os; result = os.listdir('/opt')") == listing
        finally:
            env.destroy()


def test_exec_kind_runs_the_bootstrap_with_exactly_the_spec_env(
    runtime_host: RuntimeHost, data_dir: Path
) -> None:
    script = (
        "#!/bin/sh\ntr '\\0' '\\n' < /proc/$$/environ\necho \"cwd=$(pwd) uid=$(id -u)\"\nexit 3\n"
    )
    code = make_tree(data_dir / "custom", {"bootstrap": script}, mode=0o755)
    env = runtime_host.spawn(
        code, kind="exec", command=("/var/task/bootstrap",), env={"A": "1", "B": "two words"}
    )
    try:
        env.start(connect=False)
        assert env.exited() == "exit status 3"
        lines = env.read_log(until=b"uid=").decode().splitlines()
        expected = ["{}={}".format(*item) for item in env.spec.env.items()]
        assert sorted(lines[:-1]) == sorted(expected)
        assert lines[-1] == "cwd=/var/task uid=65534"
    finally:
        env.destroy()


def test_exec_of_a_missing_bootstrap_says_so(runtime_host: RuntimeHost, code_dir: Path) -> None:
    env = runtime_host.spawn(code_dir, kind="exec", command=("/var/task/bootstrap",))
    try:
        env.start(connect=False)
        assert env.exited() == "exit status 127"
        log = env.read_log(until=b"\n")
        assert log == b"fork/exec /var/task/bootstrap: no such file or directory\n"
    finally:
        env.destroy()


def test_a_function_shipping_its_own_boto3_gets_its_own(
    runtime_host: RuntimeHost, data_dir: Path
) -> None:
    code = make_tree(data_dir / "own-sdk", {"boto3/__init__.py": "MINE = True\n"})
    env = runtime_host.spawn(code)
    try:
        env.start()
        # (the bootstrap puts /var/task first on sys.path; the stand-in leaves it to us)
        mine = "import sys; sys.path.insert(0, '/var/task'); import boto3; result = boto3.MINE"
        assert env.call(mine) is True
        assert env.call("import botocore, sys; result = 'botocore' in sys.modules")  # preloaded
    finally:
        env.destroy()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _runtime_host_pid(env) -> int:
    holder = env.sandbox.host_pid
    with open(f"/proc/{holder}/task/{holder}/children") as f:
        return int(f.read().split()[0])


def test_destroy_leaves_no_process_and_no_cgroup(runtime_host: RuntimeHost, code_dir: Path) -> None:
    env = runtime_host.spawn(code_dir)
    env.start()
    env.call(
        "import os\nif os.fork() == 0:\n    os.setsid(); os.execv('/bin/sleep', ['sleep', '600'])"
    )
    runtime = _runtime_host_pid(env)
    paths = list(env.sandbox.cgroup.paths)
    env.destroy()
    assert not _alive(env.sandbox.pid) and not _alive(runtime)
    assert not any(os.path.exists(path) for path in paths)
    assert env.exited() == "signal: killed"


def test_destroy_after_the_server_killed_the_environment(
    runtime_host: RuntimeHost, code_dir: Path
) -> None:
    env = runtime_host.spawn(code_dir)
    env.start()
    runtime = _runtime_host_pid(env)
    os.kill(env.sandbox.pid, signal.SIGKILL)
    assert env.exited() == "signal: killed"
    paths = list(env.sandbox.cgroup.paths)
    env.destroy()
    assert wait_for(lambda: not _alive(runtime))
    assert not any(os.path.exists(path) for path in paths)


def test_without_cgroups_limits_fall_back_to_rlimits(
    runtime_host: RuntimeHost, code_dir: Path
) -> None:
    env = runtime_host.spawn(code_dir, memory_mb=200, use_cgroups=False)
    try:
        assert env.sandbox.protections["memory_limit"] == "RLIMIT_DATA=200 MiB (no memory cgroup)"
        assert str(env.sandbox.protections["pids_limit"]).startswith("RLIMIT_NPROC=1024")
        assert env.sandbox.peak_memory_bytes() is None
        env.start()
        limits = "import resource as r; result = [r.getrlimit(r.RLIMIT_DATA), r.getrlimit(r.RLIMIT_NPROC), r.getrlimit(r.RLIMIT_NOFILE)]"
        assert env.call(limits) == [[200 << 20] * 2, [1024] * 2, [1024] * 2]
        with pytest.raises(RemoteError, match="MemoryError"):
            env.call("x = bytearray(300 << 20)")
    finally:
        env.destroy()


def test_a_bind_below_tmp_is_visible_inside_the_private_tmp(
    runtime_host: RuntimeHost, code_dir: Path, tmp_path: Path
) -> None:
    """lambdalite checked out under /tmp: its boto3 is bound from there, and /tmp is private."""
    installed = make_tree(tmp_path / "checkout" / "site-packages", {"mod.py": "Y = 2\n"})
    assert str(installed).startswith("/tmp/")
    env = runtime_host.spawn(code_dir, binds=(str(installed),))
    try:
        env.start()
        assert env.call(f"result = open({str(installed / 'mod.py')!r}).read()") == "Y = 2\n"
        env.call("open('/tmp/mine', 'w').write('x')")
        assert not (Path("/tmp") / "mine").exists()  # the sandbox's own /tmp, not the host's
        with pytest.raises(RemoteError, match=r"Read-only file system|Permission denied"):
            env.call(f"open({str(installed / 'new.py')!r}, 'w').write('x')")
    finally:
        env.destroy()


def test_a_bind_that_does_not_exist_fails_the_spawn(
    runtime_host: RuntimeHost, code_dir: Path
) -> None:
    with pytest.raises(SpawnError, match=r"sandbox setup failed: .*does not exist"):
        runtime_host.spawn(code_dir.parent / "missing")


def test_every_interpreter_of_the_host_runs_a_sandbox(code_dir: Path) -> None:
    """The zygote and sandbox modules are stdlib-only and must work from 3.9 on."""
    if os.geteuid() != 0:
        pytest.skip("sandboxes need root")
    loop = LoopThread()
    try:
        for interpreter in interpreters.discover():
            loop.run(_print_and_exit(interpreter, code_dir), timeout=60)
    finally:
        loop.close()


async def _print_and_exit(interpreter: interpreters.Interpreter, code_dir: Path) -> None:
    spec = SandboxSpec(
        env_id="every-{}{}".format(*interpreter.minor),
        code_dir=str(code_dir),
        layer_dirs=[],
        tmp_size_mb=16,
        binds=[interpreter.prefix, sdk_dir(), STANDIN_DIR],
        cgroups=[],
        memory_mb=256,
        env={},  # no STANDIN_ADDRESS: the stand-in prints a line and reads stdin (/dev/null)
    )
    paths = [sdk_dir(), STANDIN_DIR]
    zygote = await Zygote.start(interpreter, paths, bootstrap="standin_bootstrap")
    try:
        # boto3/botocore 1.44 require Python >= 3.10: on 3.9 (only) their preload fails, loudly
        sdk = {"boto3", "boto3.session", "botocore.client", "botocore.session"}
        allowed = sdk if interpreter.minor < (3, 10) else set()
        assert set(zygote.info["preload_failed"]) <= allowed, interpreter
        sandbox = await zygote.spawn(spec)
        assert all(v is True or str(v).startswith("RLIMIT") for v in sandbox.protections.values())
        await sandbox.start_runtime()
        assert await sandbox.runtime_exited() == "exit status 0", interpreter
        assert os.read(sandbox.log_fd, 100) == b"standin ready\n"
        await sandbox.destroy()
    finally:
        await zygote.stop()
