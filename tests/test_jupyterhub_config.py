"""The region's hub configuration (``deploy/jupyterhub``), read in-process as JupyterHub reads it.

``jupyterhub_config.py`` is loaded with traitlets' own loader (the one
JupyterHub uses) under a set of environment variables, and the resulting
configuration is checked: the dummy authenticator only with a password, the
allowed users, each user's save folder and upload space, the idle culler,
and plain refusals of unknown settings and unsafe user names. The users'
server settings (``jupyter_config/jupyter_server_config.json``) must agree
with Binder's (``binder/jupyter_config``) and with the toolkit's own
constants, and the Helm values must carry the same settings. The hub itself
is started in ``tests/test_jupyterhub.py``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy" / "jupyterhub"
SERVER = json.loads((DEPLOY / "jupyter_config" / "jupyter_server_config.json").read_text())


def _load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> Any:
    from traitlets.config.loader import PyFileConfigLoader

    base = {
        "BUP_HUB_DATA_ROOT": str(tmp_path),
        "BUP_HUB_AUTHENTICATOR": "dummy",
        "BUP_HUB_DUMMY_PASSWORD": "secret",
        "BUP_HUB_SPAWNER": "folders",
        "BUP_HUB_USERS": "alice,bob",
        "BUP_HUB_ANALYSTS": "cecilia",
        "BUP_HUB_PROXY": shutil.which("sh") or "sh",  # any command on PATH
    }
    for name, value in {**base, **env}.items():
        monkeypatch.setenv(name, value)
    return PyFileConfigLoader("jupyterhub_config.py", path=str(DEPLOY)).load_config()


def _spawner(config: Any, name: str) -> SimpleNamespace:
    return SimpleNamespace(user=SimpleNamespace(name=name), default_url="")


def test_the_test_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = _load(monkeypatch, tmp_path)
    assert config.JupyterHub.authenticator_class == "dummy"
    assert config.DummyAuthenticator.password == "secret"
    assert config.Authenticator.allowed_users == {"alice", "bob", "cecilia"}
    assert config.JupyterHub.bind_url == "http://127.0.0.1:8000"
    assert config.JupyterHub.db_url == f"sqlite:///{tmp_path / 'hub' / 'jupyterhub.sqlite'}"
    # each user's save folder and upload space, under their own folder
    alice = _spawner(config, "alice")
    env = config.Spawner.environment
    assert env["BUP_TOOLKIT_SAVE_DIR"](alice) == str(tmp_path / "users" / "alice" / "bup-toolkit")
    assert env["TMPDIR"](alice) == str(tmp_path / "users" / "alice" / ".tmp")
    assert env["JUPYTER_CONFIG_PATH"] == str(DEPLOY / "jupyter_config")
    # coaches start in Voilà, analysts in JupyterLab; the folders and the link are made
    config.Spawner.pre_spawn_hook(alice)
    assert alice.default_url == "/voila/tree/workbooks"
    home = tmp_path / "users" / "alice"
    assert (home / "workbooks").resolve() == ROOT / "notebooks" / "workbooks"
    assert (home / "bup-toolkit").is_dir() and (home / ".tmp").is_dir()
    assert (home / ".tmp").stat().st_mode & 0o777 == 0o700
    cecilia = _spawner(config, "cecilia")
    config.Spawner.pre_spawn_hook(cecilia)
    assert cecilia.default_url == "/lab"
    # the idle culler: a hub service with the scopes it needs, the timeout given
    service = config.JupyterHub.services[0]
    assert "jupyterhub_idle_culler" in service["command"]
    assert "--timeout=3600" in service["command"]
    assert config.JupyterHub.load_roles[0]["services"] == [service["name"]]
    assert "delete:servers" in config.JupyterHub.load_roles[0]["scopes"]


def test_the_region_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("BUP_HUB_AUTHENTICATOR", "BUP_HUB_SPAWNER", "BUP_HUB_DUMMY_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    config = _load(monkeypatch, tmp_path, BUP_HUB_AUTHENTICATOR="", BUP_HUB_SPAWNER="")
    assert config.JupyterHub.authenticator_class == "pam"
    assert config.JupyterHub.spawner_class == "localprocess"
    assert "args" not in config.Spawner  # no --allow-root for system accounts
    azure = _load(monkeypatch, tmp_path, BUP_HUB_AUTHENTICATOR="azuread", AAD_TENANT_ID="t-1")
    assert azure.JupyterHub.authenticator_class == "azuread"
    assert azure.AzureAdOAuthenticator.username_claim == "preferred_username"


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"BUP_HUB_AUTHENTICATOR": "ldap"}, "use pam, azuread or dummy"),
        ({"BUP_HUB_DUMMY_PASSWORD": ""}, "needs BUP_HUB_DUMMY_PASSWORD"),
        ({"BUP_HUB_SPAWNER": "kubernetes"}, "use system, folders or docker"),
        ({"BUP_HUB_USERS": "alice,../root"}, "user name '../root'"),
        ({"BUP_HUB_PROXY": "no-such-proxy-here"}, "no-such-proxy-here not found"),
    ],
)
def test_wrong_settings_stop_with_a_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str], said: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        _load(monkeypatch, tmp_path, **env)
    assert said in str(stopped.value.code)


def _flat(settings: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in settings.items():
        if isinstance(value, dict):
            out |= _flat(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_server_settings_agree_with_binder_and_the_toolkit() -> None:
    from toolkit.voila_server import MB, UPLOAD_LIMIT_MB
    from toolkit.widgets.serving import CULL_IDLE_S, CULL_INTERVAL_S, IOPUB_TIMEOUT_S

    binder = json.loads(
        (ROOT / "binder" / "jupyter_config" / "jupyter_server_config.json").read_text()
    )
    ours = _flat(SERVER)
    for key, value in _flat(binder).items():
        assert ours[key] == value, key
    assert ours["MappingKernelManager.cull_idle_timeout"] == CULL_IDLE_S
    assert ours["MappingKernelManager.cull_interval"] == CULL_INTERVAL_S
    assert ours["VoilaExecutor.iopub_timeout"] == IOPUB_TIMEOUT_S
    assert ours["ServerApp.max_body_size"] == UPLOAD_LIMIT_MB * MB
    # offline: no news feed, no update check, no extension manager reaching PyPI
    assert ours["LabApp.news_url"] is None
    assert ours["LabApp.extension_manager"] == "readonly"


def test_helm_values_carry_the_same_server_settings() -> None:
    values = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text(encoding="utf-8"))
    files = values["singleuser"]["extraFiles"]["bup-server-settings"]
    assert files["mountPath"] == "/etc/jupyter/jupyter_server_config.json"
    assert files["data"] == SERVER
    assert values["cull"]["enabled"] is True
    assert values["singleuser"]["networkPolicy"]["egressAllowRules"]["nonPrivateIPs"] is False
