# JupyterHub for a region's improvement team: each coach logs in and gets the
# bup-toolkit workbooks in Voilà (analysts JupyterLab), with a save folder and
# an upload space of their own, idle servers stopped, nothing fetched from the
# internet. Start it from the environment where bup-toolkit is installed:
#
#     jupyterhub -f deploy/jupyterhub/jupyterhub_config.py
#
# Everything a region changes comes from environment variables (defaults in
# brackets); deploy/jupyterhub/README.md (English) and README.sv.md (Swedish)
# explain them:
#
#   BUP_HUB_DATA_ROOT       [/srv/bup-toolkit] the hub's database and secret in
#                           <root>/hub; users' folders in <root>/users/<name>
#                           (BUP_HUB_SPAWNER=folders or docker)
#   BUP_HUB_AUTHENTICATOR   [pam] pam (the machine's accounts), azuread (the
#                           region's Azure AD / Entra ID, through oauthenticator),
#                           dummy (tests only: one shared password)
#   BUP_HUB_DUMMY_PASSWORD  the password of the dummy authenticator (required by it)
#   BUP_HUB_SPAWNER         [system] system (each user a system account, own home),
#                           folders (tests and demos: one account, a folder per user,
#                           no isolation between users), docker (DockerSpawner,
#                           a container per user: not tested here)
#   BUP_HUB_USERS           coaches allowed in, comma-separated (they get Voilà)
#   BUP_HUB_ANALYSTS        analysts allowed in, comma-separated (they get JupyterLab)
#   BUP_HUB_ADMINS          administrators, comma-separated
#   BUP_HUB_BIND_URL        [http://127.0.0.1:8000] where the proxy listens; put a
#                           reverse proxy with TLS in front of it
#   BUP_HUB_HUB_PORT        [8081] the hub's own port on 127.0.0.1
#   BUP_HUB_PROXY_API_PORT  [8001] the proxy's API port on 127.0.0.1
#   BUP_HUB_PROXY           [configurable-http-proxy] the proxy's command
#   BUP_HUB_IDLE_S          [3600] seconds without activity before a user's server
#                           is stopped by jupyterhub-idle-culler
#   BUP_HUB_WORKBOOKS       [the installed toolkit's] the folder of workbooks
#   BUP_HUB_DOCKER_IMAGE    the image of BUP_HUB_SPAWNER=docker
import os
import re
import shutil
import sys
from pathlib import Path

c = get_config()  # type: ignore[name-defined]  # noqa: F821  (given by JupyterHub)

HERE = Path(__file__).resolve().parent


def _env(name, default=""):
    return os.environ.get(name, "").strip() or default


def _names(name):
    return [n.strip() for n in _env(name).split(",") if n.strip()]


DATA_ROOT = Path(_env("BUP_HUB_DATA_ROOT", "/srv/bup-toolkit")).expanduser().resolve()
HUB_STATE = DATA_ROOT / "hub"
USERS_ROOT = DATA_ROOT / "users"
AUTHENTICATOR = _env("BUP_HUB_AUTHENTICATOR", "pam")
SPAWNER = _env("BUP_HUB_SPAWNER", "system")
COACHES, ANALYSTS, ADMINS = (
    _names("BUP_HUB_USERS"),
    _names("BUP_HUB_ANALYSTS"),
    _names("BUP_HUB_ADMINS"),
)
IDLE_S = int(_env("BUP_HUB_IDLE_S", "3600"))


def _toolkit_folders():
    """The workbooks folder and the Jupyter data folder with the offline Voilà template."""
    from toolkit.resources import data_folder, folder

    return folder("notebooks") / "workbooks", data_folder()


try:
    WORKBOOKS, TEMPLATE_DATA = _toolkit_folders()
except ImportError:  # a hub of containers needs the toolkit only in the image
    if SPAWNER != "docker":
        sys.exit(
            "bup-toolkit is not installed in the hub's Python: pip install '.[hub]' in a checkout"
        )
    WORKBOOKS = TEMPLATE_DATA = Path("/nonexistent")
WORKBOOKS = Path(_env("BUP_HUB_WORKBOOKS", str(WORKBOOKS)))

HUB_STATE.mkdir(parents=True, exist_ok=True)
os.chmod(HUB_STATE, 0o700)

# ---------------------------------------------------------------- the hub and its proxy
c.JupyterHub.bind_url = _env("BUP_HUB_BIND_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(_env("BUP_HUB_HUB_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{_env('BUP_HUB_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.command = [_env("BUP_HUB_PROXY", "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(HUB_STATE / "jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{HUB_STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(HUB_STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(HUB_STATE / "jupyterhub.pid")
# its error pages say in Swedish and English what a refused page means
c.JupyterHub.template_paths = [str(HERE / "templates")]
# stopping the hub stops every user's server and the proxy
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# ---------------------------------------------------------------- who may log in
if AUTHENTICATOR == "pam":
    c.JupyterHub.authenticator_class = "pam"
elif AUTHENTICATOR == "azuread":
    # pip install oauthenticator; the region's app registration gives these:
    # AAD_TENANT_ID, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OAUTH_CALLBACK_URL
    # (https://<hub name>/hub/oauth_callback), read by oauthenticator itself.
    c.JupyterHub.authenticator_class = "azuread"
    c.AzureAdOAuthenticator.tenant_id = _env("AAD_TENANT_ID")
    # the user's e-mail-like name (the default claim "name" has spaces)
    c.AzureAdOAuthenticator.username_claim = "preferred_username"
elif AUTHENTICATOR == "dummy":
    password = _env("BUP_HUB_DUMMY_PASSWORD")
    if not password:
        sys.exit("BUP_HUB_AUTHENTICATOR=dummy needs BUP_HUB_DUMMY_PASSWORD (tests only)")
    c.JupyterHub.authenticator_class = "dummy"
    c.DummyAuthenticator.password = password
else:
    sys.exit(f"BUP_HUB_AUTHENTICATOR={AUTHENTICATOR!r}: use pam, azuread or dummy")

c.Authenticator.allowed_users = set(COACHES + ANALYSTS + ADMINS)
c.Authenticator.admin_users = set(ADMINS)
# names become folder names: letters, digits and . _ @ - only
c.Authenticator.username_pattern = r"^[a-z0-9][a-z0-9._@-]*$"

# ---------------------------------------------------------------- each user's server
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
# the settings below, not ones from the user's own ~/.jupyter
c.Spawner.disable_user_config = True
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180


def _home(spawner):
    """The user's folder: their system home, their folder under the data root, or the container's."""
    if SPAWNER == "system":
        import pwd

        return Path(pwd.getpwnam(spawner.user.name).pw_dir)
    if SPAWNER == "docker":
        return Path("/home/jovyan")
    return USERS_ROOT / spawner.user.name


def save_folder(spawner):
    """Where the user's workbooks save typed answers and PDSA logs (``BUP_TOOLKIT_SAVE_DIR``)."""
    return str(_home(spawner) / "bup-toolkit")


def upload_folder(spawner):
    """The user's temporary folder (``TMPDIR``): uploads are unpacked and read there."""
    return str(_home(spawner) / ".tmp")


c.Spawner.environment = {
    "BUP_TOOLKIT_SAVE_DIR": save_folder,
    "TMPDIR": upload_folder,
    # the offline Voilà template "bup" and this folder's server settings
    "JUPYTER_PATH": str(TEMPLATE_DATA),
    "JUPYTER_CONFIG_PATH": str(HERE / "jupyter_config"),
}


def prepare(spawner):
    """Before a server starts: the user's folders, a link to the workbooks, Voilà or JupyterLab."""
    name = spawner.user.name
    spawner.default_url = "/lab" if name in ANALYSTS else "/voila/tree/workbooks"
    if SPAWNER == "docker":
        (USERS_ROOT / name).mkdir(parents=True, exist_ok=True)
        return
    home = _home(spawner)
    made = [home, Path(save_folder(spawner)), Path(upload_folder(spawner))]
    for path in made:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    link = home / "workbooks"
    if not link.is_symlink() and not link.exists():
        link.symlink_to(WORKBOOKS, target_is_directory=True)
    if SPAWNER == "system" and os.geteuid() == 0:  # the hub made them: they are the user's
        import pwd

        account = pwd.getpwnam(name)
        for path in [*made, link]:
            os.lchown(path, account.pw_uid, account.pw_gid)


c.Spawner.pre_spawn_hook = prepare

if SPAWNER == "system":
    # each user's server runs under their own system account, in their home
    c.JupyterHub.spawner_class = "localprocess"
elif SPAWNER == "folders":
    from jupyterhub.spawner import SimpleLocalProcessSpawner

    class FolderSpawner(SimpleLocalProcessSpawner):
        """Tests and demos: every server runs as the hub's account, home <root>/users/<name>.

        No isolation between users beyond the folders: never for real units' data.
        """

        home_dir_template = str(USERS_ROOT / "{username}")

    c.JupyterHub.spawner_class = FolderSpawner
    if os.geteuid() == 0:  # a test container run as root
        c.Spawner.args = ["--allow-root"]
elif SPAWNER == "docker":
    # pip install dockerspawner; an image with bup-toolkit installed (not tested here)
    c.JupyterHub.spawner_class = "docker"
    c.DockerSpawner.image = _env("BUP_HUB_DOCKER_IMAGE", "bup-toolkit:latest")
    c.DockerSpawner.volumes = {str(USERS_ROOT / "{username}"): "/home/jovyan"}
    c.DockerSpawner.remove = True
    c.DockerSpawner.cmd = ["jupyterhub-singleuser"]
    c.JupyterHub.hub_ip = "0.0.0.0"  # the containers reach the hub over Docker's network
    c.JupyterHub.hub_connect_ip = _env("BUP_HUB_CONNECT_IP", "host.docker.internal")
    c.Spawner.environment.update(
        {
            "JUPYTER_PATH": "",  # the image installs the template with the toolkit
            "JUPYTER_CONFIG_PATH": "/etc/bup-toolkit/jupyter_config",
        }
    )
else:
    sys.exit(f"BUP_HUB_SPAWNER={SPAWNER!r}: use system, folders or docker")

# ---------------------------------------------------------------- idle servers are stopped
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={IDLE_S}",
            f"--cull-every={max(60, IDLE_S // 6)}",
        ],
    }
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
]

# names from the environment are checked once, here, with a plain message
for _user in c.Authenticator.allowed_users:
    if not re.match(c.Authenticator.username_pattern, _user):
        sys.exit(f"user name {_user!r}: use lower-case letters, digits and . _ @ - only")
if shutil.which(c.ConfigurableHTTPProxy.command[0]) is None:
    sys.exit(
        f"{c.ConfigurableHTTPProxy.command[0]} not found: npm install -g "
        "configurable-http-proxy, or set BUP_HUB_PROXY to its path"
    )
