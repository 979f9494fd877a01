"""Lanyard's copies of long-lived secrets land in a real OS keyring (kernel keyutils, in a private
session keyring so nothing leaks into the user's) and sign-out removes them."""

import os
import subprocess
import sys

from app import bin_dir
from conftest import client_env, start_emulator

SCRIPT = """
set -e
L="$LANYARD"
"$L" login --session acme --start-url https://acme.awsapps.com/start --region us-east-1 --device-code --no-browser
echo "== after login"; keyctl show @s
"$L" logout --session acme
echo "== after logout"; keyctl show @s
"""


def test_secrets_go_to_keyutils_and_leave_on_logout(tmp_path):
    emu = start_emulator(tmp_path / "emu", args=["--auto-approve"])
    try:
        env = client_env(emu, tmp_path / "home")
        env.update(
            PATH=os.environ["PATH"], LANYARD=str(bin_dir() / "lanyard"), LANYARD_KEYRING="keyutils"
        )
        r = subprocess.run(
            ["keyctl", "session", "-", "sh", "-c", SCRIPT],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr
        after_login, after_logout = r.stdout.split("== after logout")
        assert (
            "sso-session/acme/refresh-token" in after_login
            and "sso-session/acme/client-secret" in after_login
        ), r.stdout
        assert "sso-session/acme" not in after_logout, r.stdout
        assert "no OS keyring" not in r.stderr
    finally:
        emu.stop()


# A private D-Bus session with a Secret Service in it: gnome-keyring unlocked with a password on
# stdin, or (SILENT=1) a service that owns the Secret Service's bus name and never answers, as a
# daemon waiting on a prompt nobody can see does. Item names only are printed, never secrets.
SECRET_SERVICE = """
set -e
export XDG_RUNTIME_DIR="$RUN" XDG_DATA_HOME="$DATA"
if [ -n "$SILENT" ]; then
  "$PYTHON" -c "$SILENT_SERVICE" > "$RUN/silent" &
  while ! grep -q READY "$RUN/silent"; do sleep 0.05; done
else
  printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
fi
L="$LANYARD"
started=$(date +%s)
"$L" login --session acme --start-url https://acme.awsapps.com/start --region us-east-1 --device-code --no-browser
echo "== login took $(( $(date +%s) - started )) s"
[ -n "$SILENT" ] || secret-tool search --all service lanyard 2>&1 | grep '^attribute.username' || true
"$L" logout --session acme
echo "== after logout"
[ -n "$SILENT" ] || secret-tool search --all service lanyard 2>&1 | grep '^attribute.username' || true
"""

SILENT_SERVICE = """
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

conn = open_dbus_connection(bus="SESSION")
conn.send_and_get_reply(message_bus.RequestName("org.freedesktop.secrets"))
print("READY", flush=True)
while True:
    conn.receive()
"""


def secret_service_run(emu, tmp_path, silent: bool) -> subprocess.CompletedProcess:
    env = client_env(emu, tmp_path / "home")
    for d in ("run", "data"):
        (tmp_path / d).mkdir(mode=0o700)
    env.update(
        PATH=os.environ["PATH"],
        LANYARD=str(bin_dir() / "lanyard"),
        LANYARD_KEYRING="secret-service",
        RUN=str(tmp_path / "run"),
        DATA=str(tmp_path / "data"),
        SILENT="1" if silent else "",
        SILENT_SERVICE=SILENT_SERVICE,
        PYTHON=sys.executable,
    )
    return subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", SECRET_SERVICE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_secrets_go_to_the_secret_service_and_leave_on_logout(tmp_path):
    emu = start_emulator(tmp_path / "emu", args=["--auto-approve"])
    try:
        r = secret_service_run(emu, tmp_path, silent=False)
        assert r.returncode == 0, r.stderr
        after_login, after_logout = r.stdout.split("== after logout")
        assert "sso-session/acme/refresh-token" in after_login, r.stdout
        assert "sso-session/acme/client-secret" in after_login, r.stdout
        assert "sso-session/acme" not in after_logout, r.stdout
        assert "no OS keyring" not in r.stderr, r.stderr
    finally:
        emu.stop()


def test_a_secret_service_that_never_answers_is_given_up_within_the_start_up_limit(tmp_path):
    """Lanyard gives up on the keyring (its own limit is 5 s; the D-Bus library's call timeout
    may come first), says so, and signs in and out with the token cache alone."""
    emu = start_emulator(tmp_path / "emu", args=["--auto-approve"])
    try:
        r = secret_service_run(emu, tmp_path, silent=True)
        assert r.returncode == 0, r.stderr
        assert "no OS keyring available (Secret Service:" in r.stderr, r.stderr
        took = int(r.stdout.split("== login took ")[1].split(" s")[0])
        assert took <= 8, f"the sign-in took {took} s"
        assert "Signed out of acme" in r.stdout, r.stdout
    finally:
        emu.stop()
