"""sandbox.py pieces that need no sandbox: wordings, fallbacks, the seccomp program."""

from __future__ import annotations

import os
import signal

import pytest

from lambdalite.runtime import sandbox


def wait_status(code: int | None = None, signum: int | None = None) -> int:
    """A real wait status from a child that exits with ``code`` or dies of ``signum``."""
    pid = os.fork()
    if pid == 0:
        try:
            if signum is not None:
                if signum != signal.SIGKILL:
                    signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)
        finally:
            os._exit(code or 0)  # never return into pytest from the child
    return os.waitpid(pid, 0)[1]


@pytest.mark.parametrize(
    ("code", "signum", "expected"),
    [
        (0, None, "exit status 0"),
        (1, None, "exit status 1"),
        (None, signal.SIGKILL, "signal: killed"),
        (None, signal.SIGTERM, "signal: terminated"),
        (None, signal.SIGABRT, "signal: aborted"),
    ],
)
def test_exit_reasons_use_gos_words(code: int | None, signum: int | None, expected: str) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    assert sandbox.exit_reason(wait_status(code, signum)) == expected


def test_seccomp_without_libseccomp_is_reported() -> None:
    seccomp = sandbox.Seccomp("libnot-there.so.9")
    assert seccomp.problem is not None and seccomp.problem.startswith("not applied:")
    with pytest.raises(sandbox.SandboxError):
        seccomp.load()


def test_seccomp_program_is_compiled_once() -> None:
    seccomp = sandbox.Seccomp()
    if seccomp.problem is not None:
        pytest.skip(seccomp.problem)
    # one struct sock_filter (8 bytes) per instruction, at least one per denied call
    assert len(seccomp._program) % 8 == 0
    assert len(seccomp._program) > 8 * len(sandbox.SECCOMP_DENY)


def config(**overrides: object) -> sandbox.Config:
    data = {"env_id": "e", "code_dir": "/code", "tmp_size_mb": 512, "memory_mb": 128}
    data.update(overrides)
    return sandbox.Config(data)


def test_runtime_plan_prefers_cgroups() -> None:
    plan = sandbox.RuntimePlan(config(), {"memory": True, "pids": True}, sandbox.Seccomp())
    assert not plan.memory_rlimit and not plan.nproc_rlimit
    assert plan.protections()["memory_limit"] == "cgroup"


def test_runtime_plan_falls_back_to_rlimits_and_says_so() -> None:
    missing = sandbox.Seccomp("libnot-there.so.9")
    found = sandbox.RuntimePlan(config(memory_mb=300), {}, missing).protections()
    assert found["memory_limit"] == "RLIMIT_DATA=300 MiB (no memory cgroup)"
    assert str(found["pids_limit"]).startswith("RLIMIT_NPROC=1024 for uid 65534")
    assert str(found["seccomp"]).startswith("not applied:")


def test_no_mount_namespace_means_no_filesystem_isolation_and_says_so() -> None:
    found = sandbox.build_root(config(), "not applied: EPERM")
    assert found["filesystem"] == (
        "not applied (no mount namespace): R sees the host's filesystem, cwd /code"
    )


def test_probe_reports_without_changing_anything() -> None:
    facts = sandbox.probe()
    assert set(facts) == {"root", "seccomp", "overlayfs", "pidfd", "capabilities"}
