"""A kept-alive kernel per batch worker: unit after unit without starting a kernel each.

Starting a kernel and importing the toolkit in it costs seconds, more than
many a unit's report takes once the imports are warm. :func:`execute` runs
a report notebook with papermill in this worker process's own kernel,
started at the first unit and kept for the next ones. Before each later
unit the kernel is brought back to how a new one starts, as far as a
report can tell:

* the user namespace is emptied and the execution counter set back to 1
  (IPython's ``reset``, run silently, so it adds nothing to any notebook);
* warnings already shown will be shown again (each unit's notebook shows
  the warnings a fresh kernel would);
* the working directory is the notebook's folder again.

Imported modules stay loaded: that is the time saved. The outputs are the
same as with a new kernel per unit apart from papermill's timestamps and
durations (``tests/test_batch_kernel.py`` compares both ways, notebook and
HTML, for two sample units).

Failure isolation is kept: a unit whose notebook raises fails alone, as
before; a unit that kills its kernel fails alone and the next unit gets a
new kernel; so does the unit after one whose clean-up does not answer. A
kernel is also replaced after :data:`UNITS_PER_KERNEL` units, so memory a
report leaves behind cannot grow without bound. The kernel is shut down
when the worker process ends.
"""

from __future__ import annotations

import multiprocessing.util
from pathlib import Path
from typing import Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger

__all__ = ["ENGINE", "UNITS_PER_KERNEL", "KeptKernel", "execute", "shutdown"]

#: Name under which the kept-kernel engine is registered with papermill.
ENGINE = "bup-kept-kernel"
#: Units run in one kernel before it is replaced by a new one.
UNITS_PER_KERNEL = 25
#: Seconds a kernel may take to start, or to answer the clean-up between units.
START_TIMEOUT_S = 60.0

# Run silently in the kept kernel between two units (adds no output, no history).
_CLEAN = """\
import os as _bup_os, warnings as _bup_warnings
_bup_filters = list(_bup_warnings.filters)
_bup_warnings.resetwarnings()  # forgets which warnings were already shown ...
_bup_warnings.filters[:] = _bup_filters  # ... and keeps the kernel's filters
_bup_os.chdir({cwd!r})
get_ipython().reset(new_session=True)
"""


class KeptKernel:
    """One kernel of this process, started in ``cwd`` and reused unit after unit."""

    def __init__(self, cwd: Path, config: Any = None) -> None:
        from jupyter_client.manager import AsyncKernelManager

        self.cwd = cwd
        self.units = 0
        self.km = AsyncKernelManager(kernel_name="python3", config=config)
        _run(self.km.start_kernel(cwd=str(cwd)))
        self.kc = self.km.client()
        self.kc.allow_stdin = False
        self.kc.start_channels()
        try:
            _run(self.kc.wait_for_ready(timeout=START_TIMEOUT_S))
        except Exception:
            self.close()  # a kernel that never answered is not left running
            raise

    def alive(self) -> bool:
        """True if the kernel process still runs."""
        return bool(_run(self.km.is_alive()))

    def clean(self) -> bool:
        """Bring the kernel back to a new one's state between units; False if it did not answer."""
        try:
            reply = _run(
                self.kc.execute_interactive(
                    _CLEAN.format(cwd=str(self.cwd)),
                    silent=True,
                    store_history=False,
                    timeout=START_TIMEOUT_S,
                    output_hook=lambda msg: None,
                )
            )
        except Exception:  # a timeout or a dead channel: the caller starts a new kernel
            return False
        return bool(reply.get("content", {}).get("status") == "ok")

    def close(self) -> None:
        """Stop the channels and shut the kernel down (at once: nothing of it is kept)."""
        try:
            self.kc.stop_channels()
            _run(self.km.shutdown_kernel(now=True))
        except Exception:  # pragma: no cover - a kernel already gone
            pass


def _run(coroutine: Any) -> Any:
    """Run a coroutine on the same event loop nbclient uses in this thread."""
    from jupyter_core.utils import run_sync

    async def wrapped() -> Any:
        return await coroutine

    return run_sync(wrapped)()


_kernel: KeptKernel | None = None


def _kernel_for(cwd: Path, config: Any) -> KeptKernel:
    """This process's kernel for a notebook in ``cwd``: kept, cleaned, or new."""
    global _kernel
    kernel = _kernel
    if kernel is not None:
        reusable = (
            kernel.cwd == cwd
            and kernel.units < UNITS_PER_KERNEL
            and kernel.alive()
            and kernel.clean()
        )
        if reusable:
            return kernel
        kernel.close()
        _kernel = None
    kernel = KeptKernel(cwd, config)
    _kernel = kernel
    multiprocessing.util.Finalize(kernel, kernel.close, exitpriority=10)
    return kernel


def shutdown() -> None:
    """Shut this process's kernel down (the next :func:`execute` starts a new one)."""
    global _kernel
    if _kernel is not None:
        _kernel.close()
        _kernel = None


def execute(notebook: Path, output: Path, parameters: dict[str, Any], config: Any = None) -> None:
    """Execute ``notebook`` into ``output`` with papermill in this process's kept kernel.

    Raises what :func:`papermill.execute_notebook` raises; a kernel that died
    during the unit is replaced before the next one.
    """
    kernel = _kernel_for(notebook.parent.resolve(), config)
    kernel.units += 1
    import papermill

    papermill.execute_notebook(
        str(notebook),
        str(output),
        parameters=parameters,
        engine_name=ENGINE,
        kernel_name="python3",
        language="python",
        cwd=str(notebook.parent),
        progress_bar=False,
        log_output=False,
        kept_kernel=kernel,
    )


class _KeptKernelClient(PapermillNotebookClient):
    """papermill's notebook client on a kernel and channels it does not own (so keeps)."""

    def __init__(self, nb_man: Any, kernel: KeptKernel, **kw: Any) -> None:
        super().__init__(nb_man, km=kernel.km, **kw)
        self.kc = kernel.kc


class _KeptKernelEngine(NBClientEngine):
    """papermill's nbclient engine, executing in a :class:`KeptKernel`."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: int = 60,
        execution_timeout: int | None = None,
        **kwargs: Any,
    ) -> Any:
        kernel = kwargs.pop("kept_kernel")
        for unused in ("input_path", "timeout", "startup_timeout"):
            kwargs.pop(unused, None)
        return _KeptKernelClient(
            nb_man,
            kernel,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
            **kwargs,
        ).execute()


papermill_engines.register(ENGINE, _KeptKernelEngine)
